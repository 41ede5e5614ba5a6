<p>{{_('No login may keep the factory password (admin/admin): the wizard cannot finish until every admin login has its own password.')}}</p>
<table id="admins">
 <tr><th>{{_('Admin login')}}</th><th>{{_('Password')}}</th></tr>
 % for u in admins:
 <tr><td>{{u['username']}}</td><td>
  % if u['problem'] == 'default':
  <span class="badge bad">{{_('factory password')}}</span>
  % elif u['problem'] == 'must_change':
  <span class="badge warn">{{_('must be changed')}}</span>
  % else:
  <span class="badge ok">{{_('own password')}}</span>
  % end
 </td></tr>
 % end
</table>
<form class="stack" method="post" action="/setup/password">
 {{!csrf_field}}
 {{!field('user', _('Admin login'), values, errors, kind='select', choices=user_choices)}}
 {{!field('password', _('New password'), {}, errors, kind='password', autocomplete='new-password', help=_('Leave empty to keep the current password.'))}}
 {{!field('confirm', _('New password again'), {}, errors, kind='password', autocomplete='new-password')}}
 % include('wizard_nav.tpl')
</form>
