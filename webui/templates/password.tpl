% rebase('base.tpl', title=title)
% from webui.forms import field
<h1>{{title}}</h1>
% if must:
<div class="flash error" role="alert">{{_('This login still has its first password. Choose your own password before you go on.')}}</div>
% end
<div class="card">
<form class="stack" method="post" action="/account/password">
  {{!csrf_field}}
  {{!field('current', _('Current password'), {}, errors, kind='password', required=True, autocomplete='current-password')}}
  {{!field('password', _('New password'), {}, errors, kind='password', required=True, autocomplete='new-password', help=_('At least 8 characters; not your user name; not a common password.'))}}
  {{!field('confirm', _('New password again'), {}, errors, kind='password', required=True, autocomplete='new-password')}}
  <div class="actions"><button type="submit">{{_('Change password')}}</button></div>
</form>
</div>
<div class="card">
<form method="post" action="/account/lang" class="actions">
  {{!csrf_field}}<input type="hidden" name="next" value="/account/password">
  <label for="mylang">{{_('Language')}}</label>
  <select id="mylang" name="lang" style="max-width:12rem">
    <option value="">{{_('The box language')}}</option>
    % for code, label in languages:
    <option value="{{code}}" {{'selected' if user and user.lang == code else ''}}>{{label}}</option>
    % end
  </select>
  <button type="submit" class="secondary">{{_('Save')}}</button>
</form>
</div>
