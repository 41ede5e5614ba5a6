<table class="prompts">
 <tr><th>{{_('Name')}}</th><th>{{_('Source')}}</th><th>{{_('Text')}}</th><th>{{_('Listen')}}</th><th></th></tr>
 % for p in items:
 <tr id="prompt-{{p['name']}}">
  <td><code>{{p['name']}}</code>{{!' <span class="badge warn">' + _('used by a menu') + '</span>' if p.get('used_by_menus') else ''}}</td>
  <td>{{_('uploaded') if p['source'] == 'custom' else _('built in')}}</td>
  <td>{{p.get('text', '')}}</td>
  <td><audio controls preload="none" src="/config/prompts/{{p['name']}}.wav?language={{language}}"></audio></td>
  <td>
  % if p['source'] == 'custom':
   <form method="post" action="/config/prompts/{{p['name']}}/delete">{{!csrf_field}}<input type="hidden" name="language" value="{{language}}">
    <button type="submit" class="danger small" data-confirm="{{_('Delete prompt {name}?').format(name=p['name'])}}">{{_('Delete')}}</button></form>
  % end
  </td>
 </tr>
 % end
</table>
