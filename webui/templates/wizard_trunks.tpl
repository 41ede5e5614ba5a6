<form class="stack" method="post" action="/setup/trunks">
 {{!csrf_field}}
 <p>{{_('Which lines carry outgoing calls, and the digit dialled before an outside number.')}}</p>
 {{!field('group', _('Trunk group for outgoing calls'), values, errors, kind='select', choices=groups)}}
 <h3>{{_('Analog lines (FXO)')}}</h3>
 % for ln in lines:
 {{!field('line_' + ln['name'], _('{name} on {port}').format(name=ln['name'], port=ln['port']), values, errors, kind='checkbox')}}
 % end
 % if sip_trunks:
 <h3>{{_('SIP trunks')}}</h3>
 % for t in sip_trunks:
 {{!field('sip_' + t['name'], _('{name} ({host})').format(name=t['name'], host=t['host']), values, errors, kind='checkbox')}}
 % end
 % end
 {{!field('prefix', _('Outbound prefix'), values, errors, inputmode='numeric', help=_('Dial this first for an outside line (e.g. 9); empty: no prefix.'))}}
 % include('wizard_nav.tpl')
</form>
