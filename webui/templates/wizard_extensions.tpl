<p>{{_('A numbering plan: the numbers go to the FXS ports in order ({ports}); the rest become SIP extensions with generated passwords.').format(ports=', '.join(fxs) or '—')}}</p>
<form class="stack" method="post" action="/setup/extensions">
 {{!csrf_field}}
 {{!field('first', _('First number'), values, errors, inputmode='numeric')}}
 {{!field('count', _('How many extensions'), values, errors, kind='number', min=1, max=200)}}
 % include('wizard_nav.tpl')
</form>
<h3>{{_('Extensions now')}}</h3>
<table id="extensions">
 <tr><th>{{_('Number')}}</th><th>{{_('Name')}}</th><th>{{_('Port or SIP')}}</th></tr>
 % for e in extensions:
 <tr><td>{{e['number']}}</td><td>{{e['name']}}</td><td>{{e['port'] if e['kind'] == 'fxs' else 'SIP'}}</td></tr>
 % end
</table>
<p><a href="/setup/sheet" id="sheet-link">{{_('Printable provisioning sheet (with the SIP passwords)')}}</a></p>
