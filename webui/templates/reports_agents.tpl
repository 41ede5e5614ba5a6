% rebase('base.tpl', title=title, extra_css=['reports.css'])
% from webui.forms import field
<h1>{{title}}</h1>
<form method="get" action="/reports/agents" class="filters card">
  {{!field('from', _('From (date)'), values, errors, kind='date')}}
  {{!field('to', _('To (date, included)'), values, errors, kind='date')}}
  {{!field('interval', _('Interval'), values, errors, kind='select', choices=intervals)}}
  {{!field('agent', _('Agent'), values, errors, placeholder=_('all agents'))}}
  <div class="actions">
    <button type="submit">{{_('Show')}}</button>
    <a class="button secondary" href="{{csv_href}}" download>{{_('Download CSV')}}</a>
  </div>
</form>
% if error:
<div class="flash error" role="alert">{{error}}</div>
% end
% for chart in charts:
<div class="chart-box">{{!chart}}</div>
% end
<div class="scroll">
<table id="agent-report" class="compact">
 <tr><th>{{_('Interval')}}</th><th>{{_('Agent')}}</th><th class="num">{{_('Logged in')}}</th><th class="num">{{_('Talking')}}</th>
     <th class="num">{{_('Wrap-up')}}</th><th class="num">{{_('Ready')}}</th><th class="num">{{_('Paused')}}</th>
     <th class="num">{{_('Answered')}}</th><th class="num">{{_('Not answered')}}</th><th class="num">{{_('AHT')}}</th></tr>
 % for r in rows:
 <tr><td>{{when(r.get('interval_start'))}}</td><td>{{r.get('agent', '')}}</td>
     <td class="num">{{hms(r.get('login_s'))}}</td><td class="num">{{hms(r.get('talk_s'))}}</td>
     <td class="num">{{hms(r.get('wrapup_s'))}}</td><td class="num">{{hms(r.get('idle_s'))}}</td>
     <td class="num">{{hms(r.get('pause_s'))}}</td><td class="num">{{r.get('answered', 0)}}</td>
     <td class="num">{{r.get('ring_no_answer', 0)}}</td><td class="num">{{hms(r.get('aht_s'))}}</td></tr>
 % end
 % if not rows:
 <tr><td colspan="10" class="muted">{{_('No agent activity in this period.')}}</td></tr>
 % end
</table>
</div>
