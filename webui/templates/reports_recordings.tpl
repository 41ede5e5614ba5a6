% rebase('base.tpl', title=title, extra_css=['reports.css'])
% from webui.forms import field
<h1>{{title}}</h1>
<form method="get" action="/reports/recordings" class="filters card">
  {{!field('since', _('From (date)'), values, errors, kind='date')}}
  {{!field('until', _('To (date, included)'), values, errors, kind='date')}}
  {{!field('number', _('Number'), values, errors, placeholder=_('caller or called number'))}}
  {{!field('agent', _('Agent'), values, errors)}}
  {{!field('queue', _('Queue'), values, errors)}}
  <div class="actions"><button type="submit">{{_('Search')}}</button>
  <a class="button secondary" href="/reports/recordings">{{_('Clear')}}</a></div>
</form>
% if error:
<div class="flash error" role="alert">{{error}}</div>
% end
<p class="muted" id="recordings-count">{{_('recordings {first}–{last} of {total}').format(**pg) if pg['total'] else _('No recordings.')}}</p>
<table id="recordings">
 <tr><th>{{_('Start')}}</th><th>{{_('From')}}</th><th>{{_('To')}}</th><th>{{_('Queue')}}</th><th>{{_('Agent')}}</th>
     <th class="num">{{_('Length')}}</th><th>{{_('Listen')}}</th></tr>
 % for r in rows:
 <tr><td>{{when(r.get('start'))}}</td><td>{{r.get('caller', '')}}</td><td>{{r.get('callee', '')}}</td>
     <td>{{r.get('queue', '')}}</td><td>{{r.get('agent', '')}}</td><td class="num">{{hms(r.get('duration_s'))}}</td>
     <td class="player" id="player-recordings-{{r['id']}}">
       <button type="button" class="secondary play" hx-get="/reports/recordings/{{r['id']}}/player"
               hx-target="#player-recordings-{{r['id']}}" hx-swap="innerHTML">▶ {{_('Play')}}</button></td></tr>
 % end
 % if not rows:
 <tr><td colspan="7" class="muted">{{_('No recordings match.')}}</td></tr>
 % end
</table>
% include('reports_pager')
% include('reports_access', which_key='recording_id')
