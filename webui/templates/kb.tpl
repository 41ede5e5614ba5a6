% rebase('base.tpl', title=title)
<h1>{{title}}</h1>
<form method="get" action="/kb" role="search" class="inline">
  <input type="search" name="q" value="{{q}}" placeholder="{{_('Search articles (words or #tag)')}}"
         hx-get="/kb/search" hx-trigger="input changed delay:300ms, search" hx-target="#kb-results" autocomplete="off">
  <button type="submit">{{_('Search')}}</button>
</form>
<div id="kb-results">
% if not q:
<h2>{{_('Latest articles')}}</h2>
% end
% include('kb_results')
</div>
