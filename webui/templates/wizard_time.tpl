<form class="stack" method="post" action="/setup/time">
 {{!csrf_field}}
 {{!field('timezone', _('Time zone'), values, errors, kind='select', choices=[(z, z) for z in zones] if zones else [(values.get('timezone', ''), values.get('timezone', ''))])}}
 {{!field('ntp_servers', _('NTP servers'), values, errors, help=_('Host names or IP addresses, separated by commas; the box sets its clock from them.'))}}
 % include('wizard_nav.tpl')
</form>
