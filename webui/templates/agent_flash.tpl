% pf = get('part_flash')
% if pf:
<div class="flash {{pf[0]}}" role="status">{{pf[1]}}</div>
% end
