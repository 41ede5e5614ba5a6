% rebase('base.tpl', title=title, extra_css=['reports.css'])
% from webui.forms import field
<h1>{{title}}</h1>
<form method="get" action="/reports/staffing" class="filters card">
  {{!field('queue', _('Queue'), values, errors, kind='select', choices=queues)}}
  {{!field('weeks', _('Weeks of history'), values, errors, kind='number', min='1', max='52')}}
  {{!field('interval', _('Interval'), values, errors, kind='select', choices=intervals)}}
  {{!field('target_sl', _('Service level target (%)'), values, errors, kind='number', placeholder=_("the queue's"))}}
  {{!field('t_s', _('Answered within (s)'), values, errors, kind='number', placeholder=_("the queue's"))}}
  <input type="hidden" name="day" value="{{values['day']}}">
  <div class="actions">
    <button type="submit">{{_('Show')}}</button>
    <a class="button secondary" href="{{csv_href}}" download>{{_('Download CSV')}}</a>
  </div>
</form>
% if error:
<div class="flash error" role="alert">{{error}}</div>
% end
% if advice.get('from'):
<p class="muted">{{_('From the calls of {start} to {end}: target {sl} % answered within {t} s; average handling time {aht}.').format(start=advice.get('from', ''), end=advice.get('to', ''), sl='{:g}'.format(advice.get('target_sl_pct') or 0), t='{:g}'.format(advice.get('t_s') or 0), aht=hms(advice.get('overall_aht_s')) or '–')}}
{{_('Agents needed are agents on the phones; add breaks and training on top when rostering.')}}</p>
% end
<div class="tabs" id="weekdays">
% for d, label in weekdays:
<a href="/reports/staffing?{{qs(values, day=d)}}" class="{{'on' if values['day'] == d else ''}}{{'' if d in days_with else ' muted'}}">{{_(label)}}</a>
% end
</div>
% for chart in charts:
<div class="chart-box">{{!chart}}</div>
% end
<div class="scroll">
<table id="staffing" class="compact">
 <tr><th>{{_('Day')}}</th><th>{{_('Start')}}</th><th class="num">{{_('Calls (average)')}}</th><th class="num">{{_('AHT')}}</th>
     <th class="num">{{_('Traffic (Erlang)')}}</th><th class="num">{{_('Agents needed')}}</th><th class="num">{{_('Expected service level')}}</th>
     <th class="num">{{_('Observed service level')}}</th><th>{{_('Note')}}</th></tr>
 % for r in rows:
 <tr><td>{{_(dict(weekdays).get(r.get('weekday'), r.get('weekday', '')))}}</td><td>{{r.get('start', '')}}</td>
     <td class="num">{{r.get('calls_avg', '')}}</td><td class="num">{{hms(r.get('aht_s'))}}</td>
     <td class="num">{{'' if r.get('traffic_erlangs') is None else '{:.2f}'.format(r['traffic_erlangs'])}}</td>
     <td class="num"><b>{{'' if r.get('agents') is None else r['agents']}}</b></td>
     <td class="num">{{'' if r.get('service_level_pct') is None else '{:g} %'.format(r['service_level_pct'])}}</td>
     <td class="num">{{'' if r.get('observed_sl_pct') is None else '{:g} %'.format(r['observed_sl_pct'])}}</td>
     <td>{{r.get('note', '')}}</td></tr>
 % end
 % if not rows:
 <tr><td colspan="9" class="muted">{{_('No queue calls in these weeks: nothing to advise from.')}}</td></tr>
 % end
</table>
</div>
