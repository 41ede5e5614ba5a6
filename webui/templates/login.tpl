% rebase('base.tpl', title=_('Log in'), bare=True)
<div class="login card">
  <h1>☎ {{box_name}}</h1>
  % if error:
  <div class="flash error" role="alert">{{error}}</div>
  % end
  % if note:
  <div class="flash" role="status">{{note}}</div>
  % end
  <form class="stack" method="post" action="/login">
    <input type="hidden" name="csrf" value="{{pre_token}}">
    <input type="hidden" name="next" value="{{next_url}}">
    <label for="username">{{_('User name')}}</label>
    <input id="username" name="username" type="text" autocomplete="username" value="{{username}}" autofocus required>
    <label for="password">{{_('Password')}}</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    <label for="lang">{{_('Language')}}</label>
    <select id="lang" name="lang">
      % for code, label in languages:
      <option value="{{code}}" {{'selected' if code == lang else ''}}>{{label}}</option>
      % end
    </select>
    <div class="actions"><button type="submit">{{_('Log in')}}</button></div>
  </form>
</div>
