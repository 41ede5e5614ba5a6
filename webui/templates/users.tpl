% rebase('base.tpl', title=title)
% from webui.forms import field
<h1>{{title}}</h1>
<table id="users">
 <tr><th>{{_('User name')}}</th><th>{{_('Name')}}</th><th>{{_('Role')}}</th><th>{{_('Agent')}}</th><th>{{_('Status')}}</th><th></th></tr>
 % for u in users:
 <tr>
  <td>{{u['username']}}</td><td>{{u['name']}}</td><td>{{_(u['role'])}}</td><td>{{u['agent']}}</td>
  <td>{{_('enabled') if u['enabled'] else _('disabled')}}{{(' · ' + _('must change password')) if u['must_change'] else ''}}</td>
  <td><a href="/admin/users?edit={{u['username']}}">{{_('Edit')}}</a></td>
 </tr>
 % end
</table>

% if editing:
<div class="card">
<h2>{{_('Edit user {name}').format(name=editing)}}</h2>
<form class="stack" method="post" action="/admin/users/{{editing}}">
  {{!csrf_field}}
  {{!field('name', _('Name'), values, errors)}}
  {{!field('role', _('Role'), values, errors, kind='select', choices=roles)}}
  {{!field('agent', _('Agent'), values, errors, kind='select', choices=agents, help=_('An agent login logs in to the agent panel as this agent.'))}}
  {{!field('lang', _('Language'), values, errors, kind='select', choices=[('', _('The box language'))] + languages)}}
  {{!field('enabled', _('Enabled'), values, errors, kind='checkbox')}}
  <div class="actions">
    <button type="submit" name="action" value="save">{{_('Save')}}</button>
    <button type="submit" name="action" value="unlock" class="secondary">{{_('Unlock logins')}}</button>
    <button type="submit" name="action" value="delete" class="danger" data-confirm="{{_('Delete this user?')}}">{{_('Delete')}}</button>
  </div>
</form>
<form class="stack" method="post" action="/admin/users/{{editing}}">
  {{!csrf_field}}<input type="hidden" name="action" value="password">
  <h2>{{_('Set a new password')}}</h2>
  {{!field('password', _('New password'), {}, errors, kind='password', autocomplete='new-password')}}
  {{!field('must_change', _('Must change it at next login'), {'must_change': 1}, errors, kind='checkbox')}}
  <div class="actions"><button type="submit" class="secondary">{{_('Set password')}}</button></div>
</form>
</div>
% else:
<div class="card">
<h2>{{_('Add a user')}}</h2>
<form class="stack" method="post" action="/admin/users">
  {{!csrf_field}}
  {{!field('username', _('User name'), values, errors, required=True)}}
  {{!field('name', _('Name'), values, errors)}}
  {{!field('role', _('Role'), values, errors, kind='select', choices=roles)}}
  {{!field('agent', _('Agent'), values, errors, kind='select', choices=agents, help=_('An agent login logs in to the agent panel as this agent.'))}}
  {{!field('password', _('Password'), {}, errors, kind='password', required=True, autocomplete='new-password')}}
  {{!field('confirm', _('Password again'), {}, errors, kind='password', required=True, autocomplete='new-password')}}
  {{!field('must_change', _('Must change it at first login'), values, errors, kind='checkbox')}}
  <div class="actions"><button type="submit">{{_('Add user')}}</button></div>
</form>
</div>
% end
