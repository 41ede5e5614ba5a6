% nid = item.nid
% node = menu['nodes'][nid]
% t = node['type']
% nerr = nf.errors.get(nid, {})
<div class="ivr-node t-{{t}}{{' invalid' if nerr else ''}}" id="node-{{nid}}" data-node="{{nid}}">
 <input type="hidden" name="node" value="{{nid}}">
 <input type="hidden" name="n|{{nid}}|shown" value="{{t}}">
 <div class="ivr-head">
  <strong class="ivr-id">{{nid}}</strong>
  % if nid == (menu.get('start') or 'main'):
  <span class="badge ok">{{_('start')}}</span>
  % end
  <select name="n|{{nid}}|type" aria-label="{{_('What this node does')}}" hx-trigger="change" {{!nf.hx('retype:' + nid)}}>
  % for v, label in type_choices:
   <option value="{{v}}"{{' selected' if v == t else ''}}>{{label}}</option>
  % end
  </select>
  % if nid != (menu.get('start') or 'main'):
  {{!nf.op_button('delnode:' + nid, _('Remove node'), 'link danger')}}
  % end
 </div>
 % if nerr.get('_node') or nerr.get('type'):
 <div class="error" role="alert">{{nerr.get('_node') or nerr.get('type')}}</div>
 % end
 <div class="ivr-fields">
 % if t in ('play', 'collect', 'hangup'):
  {{!nf.field(nid, 'prompts', _('Prompts'), ', '.join(node.get('prompts', [])), list='ivr-prompts', placeholder='welcome, ivr_press_0_operator')}}
 % end
 % if t == 'collect':
  {{!nf.field(nid, 'digits', _('Keys to read'), node.get('digits', 1), kind='number', min=1, max=20)}}
  {{!nf.field(nid, 'timeout_ms', _('Wait for the first key (ms)'), node.get('timeout_ms', 5000), kind='number', min=1000, max=60000, step=500)}}
  {{!nf.field(nid, 'interdigit_ms', _('Wait between keys (ms)'), node.get('interdigit_ms', 3000), kind='number', min=500, max=20000, step=500)}}
  {{!nf.field(nid, 'attempts', _('Tries'), node.get('attempts', 3), kind='number', min=1, max=10)}}
  {{!nf.field(nid, 'invalid_prompt', _('Prompt for a wrong key'), ', '.join(node.get('invalid_prompt', [])), list='ivr-prompts')}}
  {{!nf.field(nid, 'timeout_prompt', _('Prompt when nothing is pressed'), ', '.join(node.get('timeout_prompt', [])), list='ivr-prompts')}}
  {{!nf.field(nid, 'terminator', _('Key that ends the input'), node.get('terminator', '#'), kind='select', choices=[('#', '#'), ('*', '*'), ('', _('none'))])}}
  {{!nf.field(nid, 'var', _('Store other input in variable'), node.get('var', ''), placeholder='account')}}
  {{!nf.field(nid, 'operator', _('Key 0 goes to the operator'), node.get('operator', True), kind='checkbox')}}
  {{!nf.field(nid, 'direct_dial', _('Callers may dial an extension'), node.get('direct_dial', True), kind='checkbox')}}
  <div class="field ivr-keys{{' invalid' if nerr.get('keys') else ''}}">
   <label>{{_('Keys')}}</label>
   <table class="keys">
   % for i, (k, to) in enumerate(node.get('keys', {}).items()):
    <tr class="keyrow" data-key="{{k}}">
     <td><input type="hidden" name="n|{{nid}}|keyrow" value="{{i}}">
      <input type="text" class="key" name="n|{{nid}}|key|{{i}}" value="{{k}}" aria-label="{{_('Key')}}" size="4"></td>
     <td>→ <select name="n|{{nid}}|to|{{i}}" aria-label="{{_('Goes to node')}}">
      % for v, label in nf.node_choices(_('— choose a node —')):
       <option value="{{v}}"{{' selected' if v == to else ''}}>{{label}}</option>
      % end
     </select></td>
     <td>{{!nf.op_button('delkey:' + nid + ':' + k, _('Remove key'), 'link danger')}}</td>
    </tr>
   % end
   </table>
   % if nerr.get('keys'):
   <div class="error" role="alert">{{nerr['keys']}}</div>
   % end
   {{!nf.op_button('addkey:' + nid, _('Add a key'))}}
  </div>
 % end
 % if t == 'time':
  {{!nf.field(nid, 'condition', _('Time condition'), node.get('condition', ''), kind='select', choices=[('', _('— choose —'))] + [(c, c) for c in conditions])}}
 % end
 % if t == 'goto':
  {{!nf.field(nid, 'target', _('Number'), node.get('target', ''), list='ivr-numbers', placeholder='801', help=_('An extension, ring group, queue, voicemail number, conference room, another menu or an outside number with its prefix.'))}}
 % end
 % if t == 'set':
  {{!nf.field(nid, 'vars', _('Variables (one name=value a line)'), '\n'.join(f'{k}={v}' for k, v in node.get('vars', {}).items()), kind='textarea', rows=3, placeholder='dept=sales')}}
 % end
 % for slot, label in (('next', _('Then') if t in ('play', 'set') else _('Other input goes to')), ('fail', _('After too many tries')), ('day', _('When open (day)')), ('night', _('When closed (night)'))):
 % if slot in node:
  <div class="ivr-slot">
   {{!nf.field(nid, slot, label, node.get(slot, ''), kind='select', choices=nf.node_choices(_('— nothing —') if slot in ('fail',) or (slot == 'next' and t == 'collect') else _('— choose a node —')))}}
   {{!nf.op_button('addchild:' + nid + ':' + slot, _('New node here'))}}
  </div>
 % end
 % end
 </div>
 % if item.branches:
 <ul class="ivr-children">
 % for b in item.branches:
  <li><span class="ivr-branch">{{_(b.label).format(**b.args)}} →</span>
  % if b.item is not None:
  % include('ivr_node.tpl', item=b.item)
  % else:
   <a href="#node-{{b.ref}}" class="ivr-ref">{{_('node {node} (shown above)').format(node=b.ref) if b.ref in menu['nodes'] else _('missing node {node}').format(node=b.ref)}}</a>
  % end
  </li>
 % end
 </ul>
 % end
</div>
