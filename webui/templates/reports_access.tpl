<h2>{{_('Who listened')}}</h2>
% if log_error:
<div class="flash error" role="alert">{{log_error}}</div>
% end
<table id="access-log" class="compact">
 <tr><th>{{_('Time')}}</th><th>{{_('Who')}}</th><th>{{_('Action')}}</th><th>{{_('Which')}}</th></tr>
 % for a in log:
 <tr><td>{{when(a.get('time'))}}</td><td>{{a.get('who', '')}}</td><td>{{_(a.get('action') or '')}}</td>
     <td>{{'#{}'.format(a.get(which_key)) if a.get(which_key) is not None else ''}} {{a.get('mailbox', '')}}</td></tr>
 % end
 % if not log:
 <tr><td colspan="4" class="muted">{{_('Nobody yet.')}}</td></tr>
 % end
</table>
