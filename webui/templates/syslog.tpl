% rebase('base.tpl', title=title, extra_css=['system.css'])
<h1>{{title}}</h1>
<form method="get" action="/system/log" class="actions" id="log-filters">
 <label for="f-level">{{_('At least')}}</label>
 <select id="f-level" name="level">
  <option value="">{{_('all levels')}}</option>
  % for l in levels:
  <option value="{{l}}"{{' selected' if l == f['level'] else ''}}>{{_(l)}}</option>
  % end
 </select>
 <label for="f-contains">{{_('Containing')}}</label>
 <input type="search" id="f-contains" name="contains" value="{{f['contains']}}" style="max-width:16rem">
 <label for="f-limit">{{_('Show')}}</label>
 <select id="f-limit" name="limit">
  % for n in limits:
  <option value="{{n}}"{{' selected' if n == f['limit'] else ''}}>{{n}}</option>
  % end
 </select>
 <button type="submit">{{_('Filter')}}</button>
 <a href="/admin/audit">{{_('Audit log (who changed what)')}}</a>
</form>
<div id="log-rows" hx-get="/system/log?{{query}}" hx-trigger="every 10s" hx-swap="innerHTML">
% include('syslog_rows.tpl')
</div>
