% for st in ('ready', 'ringing', 'on_call', 'wrap_up', 'paused'):
<span class="st-{{st}}">{{state_label(st)}} <strong>{{by_state.get(st, 0)}}</strong></span>
% end
