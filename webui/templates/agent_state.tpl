% from webui.forms import field
% include('agent_flash')
% if error:
<div class="flash error" role="alert">{{error}}</div>
% end
<h2>{{_('My state')}}: <span class="badge {{badge}}" id="agent-state" data-state="{{state}}">{{state_label}}</span>
% if since is not None:
 <span class="counter" data-since="{{'%.0f' % since}}">{{mmss(status.get('since_s'))}}</span>
% end
</h2>
% if state == 'logged_out':
<form class="stack" method="post" action="/agent/login" hx-post="/agent/login" hx-target="#state">
  {{!csrf_field}}
  {{!field('extension', _('Extension I sit at'), values, errors, kind='select', choices=[('', '—')] + [(e, e) for e in extensions], required=True)}}
  {{!field('pin', _('Agent PIN'), {}, errors, kind='password', inputmode='numeric', autocomplete='off', required=True)}}
  <div class="actions"><button type="submit">{{_('Log in')}}</button></div>
</form>
% elif state != 'unknown':
<p>{{_('Extension')}} <strong>{{status.get('extension', '')}}</strong>
% if status.get('reason'):
 · {{_('Reason')}}: {{next((r['name'] for r in reasons if r['code'] == status.get('reason')), status.get('reason'))}}
% end
% if status.get('calls') is not None:
 · {{_('Calls answered')}}: {{status.get('calls', 0)}}
% end
</p>
% if state == 'wrap_up':
<form class="inline" method="post" action="/agent/wrapup" hx-post="/agent/wrapup" hx-target="#state">
  {{!csrf_field}}
  <button type="submit" name="action" value="end">{{_('End wrap-up')}}</button>
  <button type="submit" name="action" value="extend" class="secondary">{{_('+30 s wrap-up')}}</button>
</form>
% end
<div class="actions">
% if state == 'paused':
  <form method="post" action="/agent/ready" hx-post="/agent/ready" hx-target="#state">{{!csrf_field}}<button type="submit">{{_('Ready')}}</button></form>
% end
% if state != 'paused':
  <form class="inline" method="post" action="/agent/pause" hx-post="/agent/pause" hx-target="#state">
    {{!csrf_field}}
    % if reasons:
    {{!field('reason', _('Reason'), values, errors, kind='select', choices=[('', '—')] + [(r['code'], r['code'] + ' ' + r['name']) for r in reasons])}}
    % end
    <button type="submit" class="secondary">{{_('Not ready')}}</button>
  </form>
% end
  <form method="post" action="/agent/logout" hx-post="/agent/logout" hx-target="#state">{{!csrf_field}}<button type="submit" class="danger">{{_('Log out')}}</button></form>
</div>
% end
