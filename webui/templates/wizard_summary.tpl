% net = settings.get('network') or {}
<table id="summary">
 <tr><th>{{_('Language')}}</th><td>{{settings.get('language')}}</td><td><a href="/setup/language">{{_('Change')}}</a></td></tr>
 <tr><th>{{_('Admin password')}}</th><td>{{_('still the factory password: {names}').format(names=', '.join(weak)) if weak else _('set')}}</td><td><a href="/setup/password">{{_('Change')}}</a></td></tr>
 <tr><th>{{_('Time zone')}}</th><td>{{settings.get('timezone')}} · NTP {{', '.join(settings.get('ntp_servers') or [])}}</td><td><a href="/setup/time">{{_('Change')}}</a></td></tr>
 <tr><th>{{_('Country')}}</th><td>{{settings.get('country')}}</td><td><a href="/setup/country">{{_('Change')}}</a></td></tr>
 <tr><th>{{_('Network')}}</th><td>{{'DHCP' if net.get('mode') != 'static' else '{0}/{1} via {2}'.format(net.get('address'), net.get('prefix'), net.get('gateway') or '—')}}</td><td><a href="/setup/network">{{_('Change')}}</a></td></tr>
 <tr><th>{{_('Extensions')}}</th><td>{{len(extensions)}}: {{', '.join(e['number'] for e in extensions[:12])}}{{' …' if len(extensions) > 12 else ''}}</td><td><a href="/setup/extensions">{{_('Change')}}</a></td></tr>
 <tr><th>{{_('Trunks')}}</th><td>{{_('prefix {prefix}').format(prefix=routes[0]['prefix'] if routes else '—')}} · {{', '.join(ln['name'] for ln in lines if routes and ln['trunk_group'] == routes[0]['trunk_group'])}}</td><td><a href="/setup/trunks">{{_('Change')}}</a></td></tr>
 <tr><th>{{_('Business hours')}}</th><td>{{'; '.join('{0} {1}'.format(d, ', '.join(v)) for d, v in hours['hours'].items() if v) if hours else '—'}}</td><td><a href="/setup/hours">{{_('Change')}}</a></td></tr>
 <tr><th>{{_('Queue')}}</th><td>{{', '.join('{0} {1} ({2})'.format(q['number'], q['name'], len(q['members'])) for q in queues) or '—'}}</td><td><a href="/setup/queue">{{_('Change')}}</a></td></tr>
 <tr><th>{{_('IVR greeting')}}</th><td>{{', '.join('{0} {1}'.format(m['number'], m['name']) for m in menus) or '—'}}</td><td><a href="/setup/ivr">{{_('Change')}}</a></td></tr>
</table>
<p><a href="/setup/sheet">{{_('Printable provisioning sheet (with the SIP passwords)')}}</a></p>
<h3>{{_('Test call')}}</h3>
<form class="stack" hx-post="/setup/testcall" hx-target="#testcall-result" hx-swap="innerHTML">
 {{!field('extension', _('Extension to ring'), values, errors, kind='select', choices=[(e['number'], '{0} {1}'.format(e['number'], e['name'])) for e in extensions])}}
 <div class="actions"><button type="submit" class="secondary" id="test-call">{{_('Test call')}}</button></div>
</form>
<div id="testcall-result" aria-live="polite"></div>
<form method="post" action="/setup/finish">
 {{!csrf_field}}
 <div class="actions">
  <a class="button secondary" href="/setup/{{prev.key}}" id="back">{{_('Back')}}</a>
  <button type="submit" id="finish">{{_('Finish')}}</button>
 </div>
</form>
