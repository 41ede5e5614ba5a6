% if not extensions:
<p class="muted">{{_('No phones.')}}</p>
% else:
% has_reg = any(x['registration'] for x in extensions)
<table id="extensions" class="dash compact">
 <tr><th>{{_('Extension')}}</th><th>{{_('Phone')}}</th><th>{{_('State')}}</th>
 % if has_reg:
 <th>{{_('Registration')}}</th>
 % end
 </tr>
 % for e in extensions:
 <tr data-extension="{{e['extension']}}" data-kind="{{e['kind']}}" class="ext {{e['status']}}{{'' if e['enabled'] else ' off'}}">
  <td><strong>{{e['extension']}}</strong> {{e['name']}}</td>
  <td class="nw">{{_('SIP') if e['kind'] == 'sip' else _('analog {port}').format(port=e['port'])}}</td>
  <td class="nw"><span class="chip {{e['status']}}" data-extension="{{e['extension']}}" title="{{e['port']}} · {{e['state']}}">{{status_label(e['status'])}}</span>
   % if e['since'] is not None and e['status'] != 'idle':
   <span class="muted" data-since="{{e['since']}}"></span>
   % end
  </td>
  % if has_reg:
  <td class="reg">
   % r = e['registration']
   % if r is None:
   <span class="muted">—</span>
   % else:
   <span class="badge reg-{{r['state']}}" data-reg="{{r['state']}}">{{reg_label(r['state'])}}</span>
   % for c in r['contacts']:
   <span class="contact">{{_('from {source}').format(source=c['source'])}}
    % if c['user_agent']:
    · {{c['user_agent']}}
    % end
    · {{!expires_html(c['expires_s'])}}
    % if c['reachable'] is False:
    · <span class="bad-text">{{_('unreachable')}}</span>
    % end
   </span>
   % end
   % end
  </td>
  % end
 </tr>
 % end
</table>
% end
