<form class="stack" method="post" action="/setup/queue">
 {{!csrf_field}}
 <p>{{_('A first call queue and the agents who answer it. Agents log in from their phone with their number and PIN.')}}</p>
 {{!field('number', _('Queue number'), values, errors, inputmode='numeric')}}
 {{!field('name', _('Queue name'), values, errors)}}
 {{!field('strategy', _('Which agent rings'), values, errors, kind='select', choices=strategies)}}
 {{!field('agents', _('Agents'), values, errors, kind='textarea', help=_('One per line: number, name, PIN (e.g. 101 Li Wei 1234). A PIN left out keeps the old one.'))}}
 % include('wizard_nav.tpl')
</form>
