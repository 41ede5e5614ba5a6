% rebase('base.tpl', title=title)
<div class="sheet">
<h1>{{title}} — {{box}}</h1>
<p class="no-print"><a href="/setup/extensions">{{_('Back to the wizard')}}</a> · {{_('Print this page and keep it safe: it holds the SIP passwords.')}}</p>
<table id="sheet">
 <tr><th>{{_('Extension')}}</th><th>{{_('Name')}}</th><th>{{_('Port')}}</th><th>{{_('SIP user')}}</th><th>{{_('SIP password')}}</th><th>{{_('SIP server')}}</th></tr>
 % for e in extensions:
 <tr>
  <td>{{e['number']}}</td><td>{{e['name']}}</td>
  % if e['kind'] == 'fxs':
  <td>{{e['port']}}</td><td></td><td></td><td></td>
  % else:
  <td>SIP</td><td>{{e['number']}}</td><td><code>{{e.get('secret', '')}}</code></td><td>{{server}}</td>
  % end
 </tr>
 % end
</table>
</div>
