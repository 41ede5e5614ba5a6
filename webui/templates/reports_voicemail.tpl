% rebase('base.tpl', title=title, extra_css=['reports.css'])
% from webui.forms import field
<h1>{{title}}</h1>
<form method="get" action="/reports/voicemail" class="filters card">
  {{!field('mailbox', _('Mailbox'), values, errors, inputmode='numeric')}}
  {{!field('folder', _('Messages'), values, errors, kind='select', choices=folders)}}
  {{!field('number', _('Caller'), values, errors, placeholder=_('number or name'))}}
  {{!field('since', _('From (date)'), values, errors, kind='date')}}
  {{!field('until', _('To (date, included)'), values, errors, kind='date')}}
  <div class="actions"><button type="submit">{{_('Search')}}</button>
  <a class="button secondary" href="/reports/voicemail">{{_('Clear')}}</a></div>
</form>
% if error:
<div class="flash error" role="alert">{{error}}</div>
% end
<p class="muted" id="voicemail-count">{{_('messages {first}–{last} of {total}').format(**pg) if pg['total'] else _('No messages.')}}</p>
<table id="voicemail">
 <tr><th>{{_('Received')}}</th><th>{{_('Mailbox')}}</th><th>{{_('Caller')}}</th><th>{{_('Status')}}</th>
     <th class="num">{{_('Length')}}</th><th>{{_('Listen')}}</th></tr>
 % for m in rows:
 <tr><td>{{when(m.get('received'))}}</td><td>{{m.get('mailbox', '')}}</td>
     <td>{{m.get('caller', '')}} {{m.get('caller_name', '')}}</td>
     <td><span class="badge {{'warn' if m.get('folder') == 'new' else ''}}">{{_('new') if m.get('folder') == 'new' else _('heard')}}</span>{{(' · ' + _('urgent')) if m.get('urgent') else ''}}</td>
     <td class="num">{{hms((m.get('duration_ms') or 0) / 1000)}}</td>
     <td class="player" id="player-voicemail-{{m['id']}}">
       <button type="button" class="secondary play" hx-get="/reports/voicemail/{{m['id']}}/player"
               hx-target="#player-voicemail-{{m['id']}}" hx-swap="innerHTML">▶ {{_('Play')}}</button></td></tr>
 % end
 % if not rows:
 <tr><td colspan="6" class="muted">{{_('No messages match.')}}</td></tr>
 % end
</table>
% include('reports_pager')
% include('reports_access', which_key='message')
