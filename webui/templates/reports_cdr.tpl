% rebase('base.tpl', title=title, extra_css=['reports.css'])
% from webui.forms import field
<h1>{{title}}</h1>
<form method="get" action="/reports/cdr" class="filters card" id="cdr-filters">
  {{!field('since', _('From (date)'), values, errors, kind='date')}}
  {{!field('until', _('To (date, included)'), values, errors, kind='date')}}
  {{!field('number', _('Number or name'), values, errors, placeholder=_('caller or called number'))}}
  {{!field('extension', _('Extension'), values, errors, inputmode='numeric')}}
  {{!field('disposition', _('Outcome'), values, errors, kind='select', choices=dispositions)}}
  {{!field('direction', _('Direction'), values, errors, kind='select', choices=directions)}}
  <div class="actions">
    <button type="submit">{{_('Search')}}</button>
    <a class="button secondary" href="/reports/cdr">{{_('Clear')}}</a>
    <a class="button secondary" id="export-csv" href="{{export_href}}" download>{{_('Export CSV')}}</a>
  </div>
</form>
% if error:
<div class="flash error" role="alert">{{error}}</div>
% end
<p class="muted" id="cdr-total">{{_('{n} calls').format(n=total)}}{{(' · ' + _('page {page} of {pages}').format(page=page, pages=pages)) if total else ''}}</p>
<table id="cdr">
 <tr><th>{{_('Start')}}</th><th>{{_('From')}}</th><th>{{_('To')}}</th><th>{{_('Caller ID')}}</th>
     <th>{{_('Direction')}}</th><th>{{_('Outcome')}}</th><th class="num">{{_('Duration')}}</th>
     <th class="num">{{_('Talk')}}</th><th>{{_('Line')}}</th><th>{{_('Notes')}}</th></tr>
 % for r in rows:
 <tr data-sequence="{{r.get('sequence', '')}}">
  <td>{{when(r.get('start'))}}</td><td>{{r.get('src', '')}}</td><td>{{r.get('dst', '')}}</td>
  <td>{{r.get('clid', '')}}</td><td>{{_(r.get('direction') or '') if r.get('direction') else ''}}</td>
  <td><span class="badge {{'ok' if r.get('disposition') == 'ANSWERED' else 'warn'}}">{{disposition_label(r.get('disposition', ''))}}</span></td>
  <td class="num">{{hms(r.get('duration'))}}</td><td class="num">{{hms(r.get('billsec'))}}</td>
  <td>{{r.get('trunk', '')}}</td>
  <td>
  % if r.get('notes'):
  <a href="/reports/cdr/notes?call={{r.get('linkedid') or r.get('uniqueid')}}">{{_('{n} notes').format(n=r['notes'])}}</a>
  % end
  </td>
 </tr>
 % end
 % if not rows:
 <tr><td colspan="10" class="muted">{{_('No calls match.')}}</td></tr>
 % end
</table>
<div class="actions">
% if page > 1:
<a class="button secondary" rel="prev" href="/reports/cdr?{{qs(values, page=page - 1)}}">{{_('Newer')}}</a>
% end
% if page < pages:
<a class="button secondary" rel="next" href="/reports/cdr?{{qs(values, page=page + 1)}}">{{_('Older')}}</a>
% end
</div>
