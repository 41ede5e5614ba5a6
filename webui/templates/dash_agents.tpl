% if not agents:
<p class="muted">{{_('No agents are configured.')}}</p>
% else:
<table id="agents" class="dash">
 <tr><th>{{_('Agent')}}</th><th>{{_('State')}}</th><th class="num">{{_('Time in state')}}</th><th>{{_('Extension')}}</th>
  <th>{{_('Queue')}}</th><th>{{_('Current call')}}</th><th class="num">{{_('Calls')}}</th><th>{{_('Actions')}}</th></tr>
 % for a in agents:
 <tr data-agent="{{a['agent']}}" class="{{'off' if not a['logged_in'] else ''}}">
  <td><strong>{{a['agent']}}</strong> {{a['name']}}</td>
  <td><span class="badge st-{{a['state']}} agent-state" data-state="{{a['state']}}">{{state_label(a['state'])}}</span>
   % if a['reason']:
   <span class="muted">({{a['reason']}})</span>
   % end
  </td>
  <td class="num">
   % if a['since'] is not None:
   <span data-since="{{a['since']}}"></span>
   % end
  </td>
  <td>{{a['extension']}}</td>
  <td>{{a['queue'] or ', '.join(a['queues'])}}</td>
  <td>{{a['party']}}</td>
  <td class="num">{{a['calls']}}</td>
  <td class="row-actions">
   % if a['logged_in']:
   % url = '/dashboard/agent/' + a['agent'] + '/'
   % if a['state'] == 'on_call':
   <button class="secondary small" hx-post="{{url}}listen" hx-target="#action-result">{{_('Listen')}}</button>
   <button class="secondary small" hx-post="{{url}}whisper" hx-target="#action-result">{{_('Whisper')}}</button>
   <button class="secondary small" hx-post="{{url}}barge" hx-target="#action-result">{{_('Barge')}}</button>
   <button class="secondary small takeover" hx-post="{{url}}takeover" hx-target="#action-result"
     title="{{_('Your phone rings; when you answer, the caller is moved to you and the agent is released.')}}"
     hx-confirm="{{_('Take over agent {agent}\'s call? Your phone rings; when you answer, the caller is moved to you and the agent is released.').format(agent=a['agent'])}}">{{_('Take over')}}</button>
   % end
   % if a['state'] == 'paused':
   <button class="small" hx-post="{{url}}unpause" hx-target="#action-result">{{_('Unpause')}}</button>
   % else:
   <button class="small" hx-post="{{url}}pause" hx-include="#pause-reason" hx-target="#action-result">{{_('Pause')}}</button>
   % end
   <button class="danger small" hx-post="{{url}}logout" hx-target="#action-result" hx-confirm="{{_('Log agent {agent} out?').format(agent=a['agent'])}}">{{_('Log out')}}</button>
   % end
  </td>
 </tr>
 % end
</table>
% end
