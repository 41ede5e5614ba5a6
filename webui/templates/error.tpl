% rebase('base.tpl', title=title)
<h1>{{title}}</h1>
<div class="card"><p class="bad">{{message}}</p>
<p><a href="/">{{_('Back to the start page')}}</a></p></div>
