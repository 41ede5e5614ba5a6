<form class="stack" method="post" action="/setup/network">
 {{!csrf_field}}
 % if simulated:
 <div class="flash" role="status">{{_('This box runs on the simulated board: the network settings are recorded, not applied.')}}</div>
 % else:
 <p class="muted">{{_('The network settings take effect when the box starts again.')}}</p>
 % end
 {{!field('mode', _('Address'), values, errors, kind='select', choices=[('dhcp', _('Automatic (DHCP)')), ('static', _('Fixed (static)'))])}}
 {{!field('address', _('IP address'), values, errors, placeholder='192.168.1.10')}}
 {{!field('prefix', _('Prefix length'), values, errors, kind='number', min=8, max=30, help=_('24 for the netmask 255.255.255.0'))}}
 {{!field('gateway', _('Gateway'), values, errors, placeholder='192.168.1.1')}}
 {{!field('dns', _('DNS servers'), values, errors, help=_('IP addresses, separated by commas'))}}
 % include('wizard_nav.tpl')
</form>
