% from webui.forms import field
<form id="note-form" class="stack" method="post" action="/agent/note" hx-post="/agent/note" hx-target="this" hx-swap="outerHTML">
  {{!csrf_field}}
  % include('agent_flash')
  {{!field('text', _('Note'), values, errors, kind='textarea', rows=3, maxlength=4000)}}
  {{!field('followup', _('Follow-up needed (工单)'), values, errors, kind='checkbox')}}
  <div class="row">
  {{!field('category', _('Category'), values, errors, list='fu-categories', maxlength=64)}}
  {{!field('due', _('Due'), values, errors, kind='datetime-local')}}
  </div>
  <datalist id="fu-categories">
    % for cat in (_('callback'), _('complaint'), _('refund'), _('repair'), _('question')):
    <option value="{{cat}}">
    % end
  </datalist>
  <div class="actions"><button type="submit">{{_('Save note')}}</button></div>
</form>
