% rebase('base.tpl', title=title, extra_css=['system.css'])
% from webui.forms import field
<h1>{{title}} <span class="muted">{{menu.get('name', '')}}</span></h1>
<p><a href="/config/ivr">← {{_('All menus')}}</a> · <a href="/config/ivr/{{number}}/export.json">{{_('Export JSON')}}</a></p>
<form id="ivr-editor" class="ivr" method="post" action="/config/ivr/{{number}}">
  {{!csrf_field}}
  % if notice and not draft_note:
  <div class="flash {{notice[0]}}" role="status">{{notice[1]}}</div>
  % end
  % if general:
  <div class="flash error" role="alert" id="ivr-general">{{general}}</div>
  % elif draft_note:
  <div class="flash warn" role="status">{{_('Changed here, not saved yet: press "Save menu" to apply.')}}</div>
  % end
  <div class="card ivr-menu">
   {{!field('name', _('Name'), values, errors)}}
   {{!field('start', _('Callers start at'), values, errors, kind='select', choices=[(n, n) for n in menu['nodes']])}}
   {{!field('fallback', _('Fallback number'), values, errors, list='ivr-numbers', help=_('Where callers go after too many tries or loops; empty: say goodbye and hang up.'))}}
   {{!field('operator', _('Operator (key 0)'), values, errors, list='ivr-numbers', help=_('Empty: the box operator.'))}}
   {{!field('loop_limit', _('Loops without a key before the fallback'), values, errors, kind='number', min=1, max=20)}}
   {{!field('direct_dial', _('Extensions callers may dial directly'), values, errors, placeholder='801-899, 600', help=_('Ranges separated by commas; empty: none.'))}}
  </div>
  <h2>{{_('Menu tree')}}</h2>
  <div class="ivr-tree">
  % if root is not None:
  % include('ivr_node.tpl', item=root)
  % end
  </div>
  % if loose:
  <h2>{{_('Not reached from the start')}}</h2>
  <div class="ivr-tree">
  % for item in loose:
  % include('ivr_node.tpl', item=item)
  % end
  </div>
  % end
  <div class="actions sticky">
   <button type="submit" name="op" value="save" id="ivr-save">{{_('Save menu')}}</button>
   {{!nf.op_button('addnode', _('Add a loose node'))}}
   <span class="muted">{{_('Node ids: letters, digits, _ . -. Prompts: names separated by commas; read-outs like say:digits:801.')}}</span>
  </div>
  <datalist id="ivr-numbers">
  % for n, label in numbers:
   <option value="{{n}}">{{label}}</option>
  % end
  </datalist>
  <datalist id="ivr-prompts">
  % for p in prompts:
   <option value="{{p}}"></option>
  % end
  </datalist>
</form>
