<form class="stack" method="post" action="/setup/language">
 {{!csrf_field}}
 <p>{{_('The language of the box: voice prompts, this web interface and your own login.')}}</p>
 {{!field('language', _('Language'), values, errors, kind='select', choices=choices)}}
 % include('wizard_nav.tpl')
</form>
