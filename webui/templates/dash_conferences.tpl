% if not conferences:
<p class="muted">{{_('No conferences in progress.')}}</p>
% else:
<table id="conferences" class="dash">
 <tr><th>{{_('Room')}}</th><th class="num">{{_('Parties')}}</th><th>{{_('Callers')}}</th></tr>
 % for c in conferences:
 <tr><td>{{c['number']}}</td><td class="num">{{len(c['parties'])}}</td>
  <td>{{', '.join(p['caller'] + (' (' + _('muted') + ')' if p['muted'] else '') for p in c['parties'])}}</td></tr>
 % end
</table>
% end
