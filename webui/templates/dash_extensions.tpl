% if not extensions:
<p class="muted">{{_('No phones.')}}</p>
% else:
<div class="chips" id="extensions">
 % for e in extensions:
 <span class="chip {{e['status']}}" data-extension="{{e['extension']}}" title="{{e['port']}} · {{e['state']}}">
  <strong>{{e['extension']}}</strong> {{status_label(e['status'])}}
 </span>
 % end
</div>
% end
