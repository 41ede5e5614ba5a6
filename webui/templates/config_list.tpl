% rebase('base.tpl', title=title, extra_css=['config.css'])
<h1>{{title}}</h1>
% if table.intro:
<p class="muted">{{_(table.intro)}}</p>
% end
<div class="actions">
  <a class="button" href="{{base}}/_new" id="add">{{_(table.add_label)}}</a>
  % if table.name == 'regions':
  <a class="button secondary" href="/config/regions/_import">{{_('Import from CSV')}}</a>
  % end
  % for href, label in related:
  <a class="button secondary" href="{{href}}">{{label}}</a>
  % end
</div>
% if rows:
<table id="rows" class="config">
 <tr>
  % for col, label in table.columns:
  <th>{{_(label)}}</th>
  % end
  <th></th>
 </tr>
 % for r in rows:
 <tr data-key="{{r[table.key]}}">
  % for i, (col, label) in enumerate(table.columns):
  % if i == 0:
  <td><a href="{{base}}/{{quote(r[table.key])}}">{{cell(r, col)}}</a></td>
  % else:
  <td class="{{col}}">{{cell(r, col)}}</td>
  % end
  % end
  <td><a href="{{base}}/{{quote(r[table.key])}}">{{_('Edit')}}</a></td>
 </tr>
 % end
</table>
% else:
<p class="muted" id="empty">{{_('Nothing here yet.')}}</p>
% end
