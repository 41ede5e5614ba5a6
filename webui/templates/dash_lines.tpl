% if not lines:
<p class="muted">{{_('No trunks or lines.')}}</p>
% else:
<div class="chips" id="lines">
 % for l in lines:
 <span class="chip {{l['status']}}" data-line="{{l['name']}}" title="{{l['kind']}} · {{l['state']}}">
  <strong>{{l['name']}}</strong> {{l['number']}} · {{status_label(l['status'])}}
  % if l['caller_id']:
  · {{l['caller_id']}}
  % end
 </span>
 % end
</div>
% end
