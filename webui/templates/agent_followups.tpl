% include('agent_flash')
<h2>{{_('My open follow-ups')}} <span class="badge">{{len(followups)}}</span></h2>
% if followups:
<table id="followup-list">
 <tr><th>{{_('Due')}}</th><th>{{_('Category')}}</th><th>{{_('Number')}}</th><th>{{_('Note')}}</th><th></th></tr>
 % for f in followups:
 <tr>
  <td>{{when(f.get('due')) or '—'}}</td><td>{{f.get('category', '')}}</td><td>{{f.get('number', '')}}</td><td>{{f.get('text', '')}}</td>
  <td><form method="post" action="/agent/followup/{{f.get('id')}}" hx-post="/agent/followup/{{f.get('id')}}" hx-target="#followups">{{!csrf_field}}<button type="submit" class="secondary">{{_('Close')}}</button></form></td>
 </tr>
 % end
</table>
% else:
<p class="muted">{{_('No open follow-ups.')}}</p>
% end
