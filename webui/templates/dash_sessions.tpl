% if sessions:
<h3>{{_('Supervision in progress')}}</h3>
<table id="sessions" class="dash">
 <tr><th>{{_('Session')}}</th><th>{{_('Supervisor')}}</th><th>{{_('Agent')}}</th><th>{{_('Mode')}}</th><th>{{_('State')}}</th><th></th></tr>
 % for s in sessions:
 <tr data-session="{{s['id']}}">
  <td>{{s['id']}}</td><td>{{s['supervisor']}}</td><td>{{s['agent'] or s['extension']}}</td>
  <td>{{mode_label(s['mode'])}}</td><td>{{s['state']}}</td>
  <td><button class="danger small" hx-post="/dashboard/supervise/{{s['id']}}/stop" hx-target="#action-result">{{_('Stop')}}</button></td>
 </tr>
 % end
</table>
% end
