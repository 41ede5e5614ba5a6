% rebase('base.tpl', title=title, extra_css=['system.css'])
% from webui.forms import field
<h1>{{title}}</h1>
<p class="muted">{{_('A menu answers a call, plays prompts and sends the caller on by the keys they press. Dial its number, or make it the destination of an inbound route.')}}</p>
<table id="menus">
 <tr><th>{{_('Number')}}</th><th>{{_('Name')}}</th><th class="num">{{_('Nodes')}}</th><th>{{_('Fallback')}}</th><th></th></tr>
 % for m in menus:
 <tr id="menu-{{m['number']}}">
  <td><a href="/config/ivr/{{m['number']}}">{{m['number']}}</a></td><td>{{m['name']}}</td>
  <td class="num">{{len(m['nodes'])}}</td><td>{{m['fallback'] or _('hang up')}}</td>
  <td class="actions">
   <a class="button secondary" href="/config/ivr/{{m['number']}}">{{_('Edit')}}</a>
   <a href="/config/ivr/{{m['number']}}/export.json">{{_('Export JSON')}}</a>
   <form method="post" action="/config/ivr/{{m['number']}}/delete">{{!csrf_field}}
    <button type="submit" class="danger" data-confirm="{{_('Delete menu {number}?').format(number=m['number'])}}">{{_('Delete')}}</button></form>
  </td>
 </tr>
 % end
 % if not menus:
 <tr><td colspan="5" class="muted">{{_('No menus yet.')}}</td></tr>
 % end
</table>

<div class="grid2">
<div class="card">
<h2>{{_('New menu')}}</h2>
<form class="stack" method="post" action="/config/ivr">
  {{!csrf_field}}
  {{!field('number', _('Number'), values, errors, required=True, placeholder='7000', help=_('2–8 digits, not used by an extension, group, queue or room.'))}}
  {{!field('name', _('Name'), values, errors, placeholder=_('Main menu'))}}
  <div class="actions"><button type="submit">{{_('Create and edit')}}</button></div>
</form>
</div>
<div class="card">
<h2>{{_('Import and export')}}</h2>
<p class="muted">{{_('Menus as a JSON document (format hotline-ivr, see the IVR documentation). Importing adds or replaces the menus in the file; nothing changes when one of them is refused.')}}</p>
<form class="stack" method="post" action="/config/ivr/import" enctype="multipart/form-data">
  {{!csrf_field}}
  <div class="field{{' invalid' if import_error else ''}}">
   <label for="f-file">{{_('JSON file')}}</label>
   <input type="file" id="f-file" name="file" accept=".json,application/json">
   % if import_error:
   <div class="error" role="alert">{{import_error}}</div>
   % end
  </div>
  <div class="actions"><button type="submit" class="secondary" id="ivr-import">{{_('Import')}}</button>
   <a href="/config/ivr/export.json">{{_('Export all menus')}}</a></div>
</form>
</div>
</div>
