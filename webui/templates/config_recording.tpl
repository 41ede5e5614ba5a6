% rebase('base.tpl', title=title, extra_css=['config.css'])
<h1>{{title}}</h1>
<p class="muted">{{_('Which calls are recorded. The most specific rule decides: queue, then extension, then line or trunk, then inbound route, then the default.')}}</p>
<form class="stack" method="post" action="/config/recording" id="recording-form" novalidate>
  {{!csrf_field}}
  <div class="card">
  % for html in fields:
  {{!html}}
  % end
  </div>
  <div class="card">
  <h2>{{_('Rules')}}</h2>
  <table class="sub" id="rules">
   <tr><th>{{_('For')}}</th><th>{{_('Number or name')}}</th><th>{{_('Record')}}</th><th>{{_('Keep (days)')}}</th><th>{{_('Announce')}}</th></tr>
   % for i, r in enumerate(rows):
   <tr class="{{'invalid' if i in rule_errors else ''}}">
    <td><select name="rule.scope.{{i}}" aria-label="{{_('For')}}">
     % for v, t in scopes:
     <option value="{{v}}" {{'selected' if v == r['scope'] else ''}}>{{t}}</option>
     % end
    </select></td>
    <td><input type="text" name="rule.name.{{i}}" value="{{r['name']}}" aria-label="{{_('Number or name')}}"></td>
    <td><select name="rule.mode.{{i}}" aria-label="{{_('Record')}}">
     % for v, t in modes:
     <option value="{{v}}" {{'selected' if v == r['mode'] else ''}}>{{t}}</option>
     % end
    </select></td>
    <td><input type="text" inputmode="numeric" class="short" name="rule.retention_days.{{i}}" value="{{r['retention_days']}}" placeholder="{{_('default')}}" aria-label="{{_('Keep (days)')}}"></td>
    <td><select name="rule.announce.{{i}}" aria-label="{{_('Announce')}}">
     <option value="" {{'selected' if r['announce'] == '' else ''}}>{{_('default')}}</option>
     <option value="1" {{'selected' if r['announce'] == '1' else ''}}>{{_('yes')}}</option>
     <option value="0" {{'selected' if r['announce'] == '0' else ''}}>{{_('no')}}</option>
    </select></td>
   </tr>
   % if i in rule_errors:
   <tr><td colspan="5"><div class="error" role="alert">{{rule_errors[i]}}</div></td></tr>
   % end
   % end
  </table>
  <p class="help muted">{{_('Empty rows are ignored; clear the name to remove a rule.')}}</p>
  </div>
  <div class="actions"><button type="submit" id="save">{{_('Save')}}</button></div>
</form>
