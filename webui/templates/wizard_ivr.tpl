<form class="stack" method="post" action="/setup/ivr" enctype="multipart/form-data">
 {{!csrf_field}}
 <p>{{_('The greeting callers hear first, then: press 1 for the queue, 0 for the operator.')}}</p>
 {{!field('greeting_file', _('Upload a greeting (WAV)'), values, errors, kind='file', accept='.wav,audio/wav,audio/x-wav', help=_('Any PCM WAV file up to 4 MB; it is saved as the prompt "greeting".'))}}
 <p class="help">{{_('Or record it from a phone: dial {code} followed by a prompt number and # (e.g. {code}1001#), speak after the tone, press #, then 1 to save. Then choose that number below.').format(code=record_code)}}</p>
 {{!field('greeting', _('Greeting prompt'), values, errors, kind='select', choices=[(p, p) for p in sorted(set(prompts) | {values.get('greeting', 'greeting')})])}}
 {{!field('number', _('Menu number'), values, errors, inputmode='numeric')}}
 {{!field('name', _('Menu name'), values, errors)}}
 {{!field('key1', _('Key 1 goes to (queue)'), values, errors, inputmode='numeric')}}
 {{!field('key0', _('Key 0 goes to (operator)'), values, errors, inputmode='numeric')}}
 {{!field('route', _('Send incoming calls to this menu'), values, errors, kind='checkbox')}}
 % include('wizard_nav.tpl')
</form>
