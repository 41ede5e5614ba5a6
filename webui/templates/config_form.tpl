% rebase('base.tpl', title=title, extra_css=['config.css'], extra_js=['config.js'])
<p class="crumbs"><a href="{{base}}">← {{_(table.title)}}</a></p>
<h1>{{title}}</h1>
<div class="card">
<form class="stack" method="post" action="{{base if creating else base + '/' + quote(key)}}" id="config-form" novalidate>
  {{!csrf_field}}
  % for html in fields_html:
  {{!html}}
  % end
  <div class="actions">
    <button type="submit" id="save">{{_('Add') if creating else _('Save')}}</button>
    <a class="button secondary" href="{{base}}">{{_('Cancel')}}</a>
  </div>
</form>
% if not creating:
<form method="post" action="{{base}}/{{quote(key)}}/delete" class="delete">
  {{!csrf_field}}
  <button type="submit" class="danger" id="delete" data-confirm="{{_('Delete {key}?').format(key=key)}}">{{_('Delete')}}</button>
</form>
% end
</div>
