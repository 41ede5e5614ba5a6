% rebase('base.tpl', title=title)
<h1>{{title}}</h1>
<form method="get" action="/admin/audit" class="actions">
  <input type="text" name="actor" value="{{actor}}" placeholder="{{_('who')}}" style="max-width:12rem">
  <input type="text" name="target" value="{{target}}" placeholder="{{_('what (table)')}}" style="max-width:12rem">
  <button type="submit" class="secondary">{{_('Filter')}}</button>
  <span class="muted">{{_('{n} entries').format(n=total)}}</span>
</form>
<table id="audit">
 <tr><th>{{_('Time (UTC)')}}</th><th>{{_('Who')}}</th><th>{{_('Action')}}</th><th>{{_('What')}}</th><th>{{_('Key')}}</th><th>{{_('Details')}}</th></tr>
 % for r in rows:
 <tr><td>{{r['time']}}</td><td>{{r['actor']}}</td><td>{{r['action']}}</td><td>{{r['target']}}</td><td>{{r['key']}}</td><td><code>{{r['detail']}}</code></td></tr>
 % end
</table>
<div class="actions">
% if page > 0:
<a class="button secondary" href="?page={{page - 1}}&actor={{actor}}&target={{target}}">{{_('Newer')}}</a>
% end
% if page + 1 < pages:
<a class="button secondary" href="?page={{page + 1}}&actor={{actor}}&target={{target}}">{{_('Older')}}</a>
% end
</div>
