% rebase('base.tpl', title=title)
% from webui.forms import field
<h1>{{title}}</h1>
<div class="card">
% if editing:
<h2>{{_('Edit article {id}').format(id=editing)}}</h2>
<form class="stack" method="post" action="/config/kb/{{editing}}">
% else:
<h2>{{_('Add an article')}}</h2>
<form class="stack" method="post" action="/config/kb">
% end
  {{!csrf_field}}
  {{!field('title', _('Title'), values, errors, required=True, maxlength=200)}}
  {{!field('body', _('Text'), values, errors, kind='textarea', rows=10, required=True)}}
  {{!field('tags', _('Tags'), values, errors, help=_('Short words separated by commas, e.g. 退款, billing'))}}
  <div class="actions">
  % if editing:
    <button type="submit" name="action" value="save">{{_('Save')}}</button>
    <button type="submit" name="action" value="delete" class="danger" data-confirm="{{_('Delete this article?')}}">{{_('Delete')}}</button>
    <a href="/config/kb">{{_('Cancel')}}</a>
  % else:
    <button type="submit">{{_('Add article')}}</button>
  % end
  </div>
</form>
</div>
<table id="kb-articles">
 <tr><th>#</th><th>{{_('Title')}}</th><th>{{_('Tags')}}</th><th>{{_('Updated')}}</th><th></th></tr>
 % for a in articles:
 <tr><td>{{a['id']}}</td><td><a href="/kb/{{a['id']}}">{{a['title']}}</a></td><td>{{', '.join(a.get('tags') or [])}}</td>
     <td>{{a.get('updated', '')[:16].replace('T', ' ')}}</td><td><a href="/config/kb?edit={{a['id']}}">{{_('Edit')}}</a></td></tr>
 % end
</table>
% if not articles:
<p class="muted">{{_('No articles yet.')}}</p>
% end
