% if error:
<div class="flash error" role="alert">{{error}}</div>
% end
% n = len(queues)
<div class="wall-grid {{('n%d' % n) if n <= 6 else 'many'}}">
% for q in queues:
 <div class="wall-tile{{' alert' if q['alert'] else ''}}" data-queue="{{q['number']}}">
  <h2>{{q['number']}} {{q['name']}}</h2>
  <div class="fig{{' hot' if q['waiting'] else ''}}"><span class="label">{{_('Waiting')}}</span><span class="big waiting-count">{{q['waiting']}}</span></div>
  <div class="fig"><span class="label">{{_('Longest wait')}}</span>
   % if q['longest_since'] is not None:
   <span class="big" data-since="{{q['longest_since']}}">{{fmt_s(q['longest_wait_s'])}}</span>
   % else:
   <span class="big">0:00</span>
   % end
  </div>
  <div class="fig"><span class="label">{{_('Service level')}}</span><span class="mid">{{fmt_pct(q['sl_pct'])}}</span></div>
  <div class="fig"><span class="label">{{_('Answered / abandoned today')}}</span><span class="mid">{{q['answered']}} / {{q['abandoned']}}</span></div>
  <div class="foot">
   % for st in ('ready', 'ringing', 'on_call', 'paused'):
   <span>{{state_label(st)}} {{q['agents'].get(st, 0)}}</span>
   % end
  </div>
 </div>
% end
% if not queues:
 <div class="wall-tile"><h2>{{_('No queues are configured.')}}</h2></div>
% end
</div>
