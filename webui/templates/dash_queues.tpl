% if not queues:
<p class="muted">{{_('No queues are configured.')}}</p>
% else:
<table id="queues" class="dash">
 <tr><th>{{_('Queue')}}</th><th class="num">{{_('Waiting')}}</th><th class="num">{{_('Longest wait')}}</th>
  <th class="num">{{_('Service level')}}</th><th class="num">{{_('ASA')}}</th><th class="num">{{_('Answered')}}</th>
  <th class="num">{{_('Abandoned')}}</th><th>{{_('Agents')}}</th><th>{{_('Callers waiting')}}</th></tr>
 % for q in queues:
 <tr data-queue="{{q['number']}}" class="{{'waiting' if q['waiting'] else ''}}">
  <td><strong>{{q['number']}}</strong> {{q['name']}}</td>
  <td class="num waiting-count">{{q['waiting']}}</td>
  <td class="num">
   % if q['longest_since'] is not None:
   <span data-since="{{q['longest_since']}}">{{fmt_s(q['longest_wait_s'])}}</span>
   % else:
   —
   % end
  </td>
  <td class="num">{{fmt_pct(q['sl_pct'])}}</td>
  <td class="num">{{fmt_s(q['asa_s'])}}</td>
  <td class="num">{{q['answered']}}</td>
  <td class="num">{{q['abandoned']}}</td>
  <td class="states">
   % for st, n in q['agents'].items():
   % if n and st != 'logged_out':
   <span class="badge st-{{st}}">{{state_label(st)}} {{n}}</span>
   % end
   % end
  </td>
  <td class="callers">
   % for c in q['callers']:
   <span class="caller">{{c['caller'] or _('unknown')}} <span class="muted" data-since="{{c['since']}}">{{fmt_s(c['wait_s'])}}</span></span>
   % end
  </td>
 </tr>
 % end
</table>
% end
