% rebase('base.tpl', title=title)
% from webui.forms import field
<h1>{{title}}</h1>
% if daemon_error:
<div class="flash error" role="alert">{{daemon_error}}</div>
% end
<div class="card">
<h2>{{_('Post a notice')}}</h2>
<form class="stack" method="post" action="/notices">
  {{!csrf_field}}
  {{!field('text', _('Message'), values, errors, kind='textarea', required=True, maxlength=2000, help=_('Every agent panel shows it at once.'))}}
  {{!field('expires_min', _('Shown for'), values, errors, kind='select', choices=expiry)}}
  <div class="actions"><button type="submit">{{_('Post')}}</button></div>
</form>
</div>
<h2>{{_('Current notices')}}</h2>
% if not notices:
<p class="muted">{{_('No notices.')}}</p>
% else:
<table id="notices">
 <tr><th>{{_('Posted')}}</th><th>{{_('By')}}</th><th>{{_('Message')}}</th><th>{{_('Expires')}}</th><th></th></tr>
 % for n in notices:
 <tr data-notice="{{n.get('id')}}">
  <td>{{(n.get('posted') or '')[:16].replace('T', ' ')}}</td><td>{{n.get('author', '')}}</td>
  <td class="notice-text">{{n.get('text', '')}}</td>
  <td>{{(n.get('expires') or '')[:16].replace('T', ' ') or _('until deleted')}}</td>
  <td><form method="post" action="/notices/{{n.get('id')}}/delete">{{!csrf_field}}
   <button type="submit" class="danger small" data-confirm="{{_('Delete this notice?')}}">{{_('Delete')}}</button></form></td>
 </tr>
 % end
</table>
% end
