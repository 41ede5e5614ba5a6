% rebase('base.tpl', title=title)
<p><a href="/kb">← {{_('Knowledge base')}}</a></p>
<article class="card">
<h1>{{art['title']}}</h1>
<p>
% for t in art.get('tags') or []:
<a class="badge" href="/kb?q=%23{{t}}">#{{t}}</a>
% end
<span class="muted">{{_('Updated')}} {{art.get('updated', '')[:16].replace('T', ' ')}}</span>
% if can_edit:
 · <a href="/config/kb?edit={{art['id']}}">{{_('Edit')}}</a>
% end
</p>
<div class="kb-body">{{art['body']}}</div>
</article>
