% if down:
<div class="flash error" role="alert">{{_('The box did not answer: {reason}').format(reason=down)}}</div>
% end
<table class="log" id="log">
 <tr><th>{{_('Time')}}</th><th>{{_('Level')}}</th><th>{{_('Source')}}</th><th>{{_('Message')}}</th></tr>
 % for r in rows:
 <tr class="lvl-{{r['level']}}"><td>{{r['time'][11:23]}}<br><span class="muted">{{r['time'][:10]}}</span></td>
  <td>{{_(r['level'])}}</td><td>{{r['logger']}}</td><td class="msg">{{r['message']}}</td></tr>
 % end
 % if not rows:
 <tr><td colspan="4" class="muted">{{_('No log records match.')}}</td></tr>
 % end
</table>
