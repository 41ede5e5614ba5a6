% if sessions:
<h3>{{_('Supervision in progress')}}</h3>
<table id="sessions" class="dash">
 <tr><th>{{_('Session')}}</th><th>{{_('Supervisor')}}</th><th>{{_('Agent')}}</th><th>{{_('Mode')}}</th><th>{{_('State')}}</th><th>{{_('Switch to')}}</th><th></th></tr>
 % for s in sessions:
 % current = 'takeover' if s['takeover_pending'] else s['mode']
 <tr data-session="{{s['id']}}" data-mode="{{current}}">
  <td>{{s['id']}}</td><td>{{s['supervisor']}}</td><td>{{s['agent'] or s['extension']}}</td>
  <td class="mode">
   % if s['takeover_pending']:
   {{_('take over (on the agent\'s call)')}}
   % else:
   {{mode_label(s['mode'])}}
   % end
  </td>
  <td>{{session_state_label(s['state'])}}</td>
  <td class="row-actions mode-switch">
   % for m in modes:
   % url = '/dashboard/supervise/' + s['id'] + '/mode/' + m
   % if m == current:
   <button class="small current" disabled aria-pressed="true">{{mode_label(m)}}</button>
   % elif m == 'takeover':
   <button class="secondary small takeover" hx-post="{{url}}" hx-target="#action-result"
     title="{{_('The caller is moved to your phone and the agent is released.')}}"
     hx-confirm="{{_('Take over agent {agent}\'s call? The caller is moved to your phone and the agent is released.').format(agent=s['agent'] or s['extension'])}}">{{mode_label(m)}}</button>
   % else:
   <button class="secondary small" hx-post="{{url}}" hx-target="#action-result">{{mode_label(m)}}</button>
   % end
   % end
  </td>
  <td><button class="danger small" hx-post="/dashboard/supervise/{{s['id']}}/stop" hx-target="#action-result">{{_('Stop')}}</button></td>
 </tr>
 % end
</table>
% end
