% rebase('base.tpl', title=title)
<h1>{{title}}</h1>
<div id="status" hx-get="/status/fragment" hx-trigger="every {{refresh}}s" hx-swap="innerHTML">
% include('status_tables')
</div>
