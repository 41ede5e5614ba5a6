% if found:
<ul class="kb-results">
% for a in found:
  <li><a href="/kb/{{a['id']}}" {{!'target="_blank" rel="noopener"' if get('new_tab', False) else ''}}>{{a['title']}}</a>
  % for t in a.get('tags') or []:
    <span class="badge">#{{t}}</span>
  % end
  <div class="snippet">{{snippet(a.get('body', ''), q)}}</div></li>
% end
</ul>
% elif q:
<p class="muted">{{_('No article matches “{q}”.').format(q=q)}}</p>
% end
