% if not lines:
<p class="muted">{{_('No trunks or lines.')}}</p>
% else:
% has_reg = any(x['registration'] for x in lines)
<table id="lines" class="dash compact">
 <tr><th>{{_('Trunk or line')}}</th><th>{{_('Kind')}}</th><th>{{_('State')}}</th>
 % if has_reg:
 <th>{{_('Registration')}}</th>
 % end
 </tr>
 % kinds = {'fxo': _('analog line'), 'e1': _('E1'), 'bri': _('ISDN BRI'), 'sip_trunk': _('SIP trunk')}
 % for l in lines:
 % r = l['registration']
 <tr data-line="{{l['name']}}" data-kind="{{l['kind']}}" class="line {{l['status']}}{{' alarm' if r and r['state'] == 'failing' else ''}}">
  <td><strong>{{l['name']}}</strong> {{l['number']}}</td>
  <td class="nw">{{kinds.get(l['kind'], l['kind'])}}
   % if l['kind'] == 'sip_trunk' and l['host']:
   <br><span class="muted">{{l['host']}}</span>
   % end
  </td>
  <td class="nw"><span class="chip {{l['status']}}" title="{{l['kind']}} · {{l['state']}}">{{status_label(l['status'])}}</span>
   % if l['kind'] == 'sip_trunk' and l['calls'] > 1:
   <span class="muted">{{_('{n} calls').format(n=l['calls'])}}</span>
   % end
   % if l['caller_id']:
   · {{l['caller_id']}}
   % end
  </td>
  % if has_reg:
  <td class="reg">
   % if r is None:
   <span class="muted">—</span>
   % else:
   <span class="badge reg-{{r['state']}}" data-reg="{{r['state']}}">{{reg_label(r['state'])}}</span>
   % if r['state'] == 'registered' and r['expires_s'] is not None:
   <span class="contact">{{_('at {provider}').format(provider=l['provider'])}} · {{!expires_html(r['expires_s'])}}</span>
   % elif r['reason']:
   <span class="contact bad-text">{{r['reason']}}</span>
   % end
   % end
  </td>
  % end
 </tr>
 % end
</table>
% end
