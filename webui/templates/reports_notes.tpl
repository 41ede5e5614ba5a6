% rebase('base.tpl', title=title)
<h1>{{title}}</h1>
<p><a href="/reports/cdr">← {{_('Call records')}}</a></p>
% if error:
<div class="flash error" role="alert">{{error}}</div>
% end
<table id="notes">
 <tr><th>{{_('Time')}}</th><th>{{_('Author')}}</th><th>{{_('Number')}}</th><th>{{_('Note')}}</th><th>{{_('Follow-up')}}</th></tr>
 % for n in notes:
 <tr><td>{{when(n.get('time'))}}</td><td>{{n.get('author', '')}}</td><td>{{n.get('number', '')}}</td>
     <td>{{n.get('text', '')}}</td>
     <td>{{(n.get('category', '') + ' · ' + _(n.get('status') or '')) if n.get('followup') else ''}}</td></tr>
 % end
 % if not notes:
 <tr><td colspan="5" class="muted">{{_('No notes.')}}</td></tr>
 % end
</table>
