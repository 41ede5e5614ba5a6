% # Paging of a report list: pg (reports_media.paging), path, values (filters kept), what_of (a format string).
% if pg['pages'] > 1:
<nav class="actions pager" aria-label="{{_('Pages')}}">
% if pg['page'] > 1:
<a class="button secondary" rel="prev" href="{{path}}?{{qs(values, page=pg['page'] - 1)}}">← {{_('Newer')}}</a>
% end
<span class="muted">{{_('page {page} of {pages}').format(page=pg['page'], pages=pg['pages'])}}</span>
% if pg['page'] < pg['pages']:
<a class="button secondary" rel="next" href="{{path}}?{{qs(values, page=pg['page'] + 1)}}">{{_('Older')}} →</a>
% end
</nav>
% end
