<div id="port-check">
% if check_error:
<div class="flash error" role="alert">{{_('The daemon could not check the lines: {message}').format(message=check_error)}}</div>
% else:
<table id="ports-check">
 <tr><th>{{_('Port')}}</th><th>{{_('Slot')}}</th><th>{{_('Kind')}}</th><th>{{_('Check')}}</th><th>{{_('Details')}}</th></tr>
 % for r in checks:
 <tr data-port="{{r.get('port', '')}}">
  <td>{{r.get('port', '')}}</td><td>{{r.get('slot', '')}}</td><td>{{str(r.get('kind', '')).upper()}}</td>
  <td>
  % if r.get('kind') == 'fxo':
   <span class="badge {{'ok' if r.get('line') == 'present' else 'bad'}}">{{_('line present') if r.get('line') == 'present' else _('no line')}}</span> {{r.get('voltage_v', '')}} V
  % elif r.get('kind') == 'fxs':
   <span class="badge {{'warn' if r.get('hook') == 'off' else 'ok'}}">{{_('off-hook') if r.get('hook') == 'off' else _('on-hook')}}</span>
   {{(_('extension {number}').format(number=r['extension'])) if r.get('extension') else ''}}
  % else:
   <span class="badge {{'ok' if r.get('ok') else 'bad'}}">{{_('OK') if r.get('ok') else _('alarm')}}</span>
  % end
  </td>
  <td class="muted">{{r.get('text', '')}}</td>
 </tr>
 % end
</table>
% end
</div>
