% rebase('base.tpl', title=title, extra_css=['config.css'], extra_js=['config.js'])
<h1>{{title}}</h1>
% if intro:
<p class="muted">{{intro}}</p>
% end
<form class="stack" method="post" action="{{action}}" id="settings-form" novalidate>
  {{!csrf_field}}
  % for heading, fields in sections:
  <div class="card">
  % if heading:
  <h2>{{heading}}</h2>
  % end
  % for html in fields:
  {{!html}}
  % end
  </div>
  % end
  <div class="actions"><button type="submit" id="save">{{_('Save')}}</button></div>
</form>
