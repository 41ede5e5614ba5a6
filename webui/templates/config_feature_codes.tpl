% rebase('base.tpl', title=title, extra_css=['config.css'])
<h1>{{title}}</h1>
<p class="muted">{{_('What a phone dials to use a feature. A code starts with * or # (at most 6 keys); empty switches the feature off.')}}</p>
<form class="stack" method="post" action="/config/feature_codes" id="codes-form" novalidate>
  {{!csrf_field}}
  <table class="config codes">
   <tr><th>{{_('Code')}}</th><th>{{_('What it does')}}</th></tr>
   % for fc, html in rows:
   <tr><td class="code">{{!html}}</td><td class="muted">{{fc.description}}</td></tr>
   % end
  </table>
  <div class="actions"><button type="submit" id="save">{{_('Save')}}</button></div>
</form>
