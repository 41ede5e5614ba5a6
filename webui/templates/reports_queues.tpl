% rebase('base.tpl', title=title, extra_css=['reports.css'])
% from webui.forms import field
<h1>{{title}}</h1>
<form method="get" action="/reports/queues" class="filters card">
  {{!field('from', _('From (date)'), values, errors, kind='date')}}
  {{!field('to', _('To (date, included)'), values, errors, kind='date')}}
  {{!field('interval', _('Interval'), values, errors, kind='select', choices=intervals)}}
  {{!field('queue', _('Queue'), values, errors, kind='select', choices=queues)}}
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
<table id="queue-report" class="compact">
 <tr><th>{{_('Interval')}}</th><th>{{_('Queue')}}</th><th class="num">{{_('Offered')}}</th><th class="num">{{_('Answered')}}</th>
     <th class="num">{{_('Abandoned')}}</th><th class="num">{{_('Service level')}}</th><th class="num">{{_('Abandon rate')}}</th>
     <th class="num">{{_('ASA')}}</th><th class="num">{{_('AHT')}}</th><th class="num">{{_('Callbacks')}}</th><th class="num">{{_('Turned away (full)')}}</th></tr>
 % for r in rows:
 <tr><td>{{when(r.get('interval_start'))}}</td><td>{{r.get('queue', '')}}</td>
     <td class="num">{{r.get('offered', 0)}}</td><td class="num">{{r.get('answered', 0)}}</td>
     <td class="num">{{r.get('abandoned', 0)}}</td>
     <td class="num">{{'' if r.get('service_level_pct') is None else '{:g} %'.format(r['service_level_pct'])}}</td>
     <td class="num">{{'' if r.get('abandon_rate_pct') is None else '{:g} %'.format(r['abandon_rate_pct'])}}</td>
     <td class="num">{{hms(r.get('asa_s'))}}</td><td class="num">{{hms(r.get('aht_s'))}}</td>
     <td class="num">{{r.get('callback_requests', 0)}}</td><td class="num">{{r.get('full', 0)}}</td></tr>
 % end
 % if not rows:
 <tr><td colspan="11" class="muted">{{_('No queue calls in this period.')}}</td></tr>
 % end
</table>
</div>
