<form class="stack" method="post" action="/setup/country">
 {{!csrf_field}}
 <p>{{_('The country sets the tones callers hear, how caller ID is sent to phones and the voice coding (A-law or µ-law) of the lines.')}}</p>
 {{!field('country', _('Country'), values, errors, kind='select', choices=choices)}}
 <table id="countries">
  <tr><th>{{_('Country')}}</th><th>{{_('Dial tone')}}</th><th>{{_('Busy tone')}}</th><th>{{_('Ringback tone')}}</th><th>{{_('Caller ID')}}</th><th>{{_('Coding')}}</th></tr>
  % for c in countries:
  <tr class="{{'on' if c['code'] == values.get('country') else ''}}">
   <td>{{c['code']}} — {{c['name']}}</td><td><code>{{c['tones'].get('dial', '')}}</code></td>
   <td><code>{{c['tones'].get('busy', '')}}</code></td><td><code>{{c['tones'].get('ringback', '')}}</code></td>
   <td>{{c['callerid']}}</td><td>{{c['companding']}}</td>
  </tr>
  % end
 </table>
 % include('wizard_nav.tpl')
</form>
