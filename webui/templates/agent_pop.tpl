% if not call:
<h2>{{_('Call')}}</h2>
<p class="muted" id="no-call">{{_('No call right now. The caller\'s details appear here when a call is offered.')}}</p>
% else:
% c = call
<h2>
% if not live:
{{_('Last call')}} <span class="badge">{{_('ended')}}</span>
% elif c.get('offered'):
{{_('Incoming call')}} <span class="badge warn">{{_('ringing')}}</span>
% else:
{{_('Call in progress')}} <span class="badge ok">{{_('talking')}}</span>
% end
</h2>
<input type="hidden" name="call" form="note-form" value="{{c.get('linkedid') or c.get('id')}}">
<div class="caller">
  <span class="number" id="pop-caller">{{c.get('caller') or _('unknown number')}}</span>
  % if c.get('caller_name'):
  <span class="name" id="pop-name">{{c.get('caller_name')}}</span>
  % end
</div>
% if c.get('contact_note'):
<p class="contact-note">{{c.get('contact_note')}}</p>
% end
<table class="facts">
% if c.get('queue'):
  <tr><th>{{_('Queue')}}</th><td id="pop-queue">{{c.get('queue')}} {{c.get('queue_name', '')}}</td></tr>
  <tr><th>{{_('Waited')}}</th><td>{{mmss(c.get('wait_s'))}}</td></tr>
% end
% if c.get('priority'):
  <tr><th>{{_('Priority')}}</th><td>VIP {{c.get('priority')}}</td></tr>
% end
  <tr><th>{{_('Dialled')}}</th><td>{{c.get('dialled', '')}}</td></tr>
% if c.get('vars'):
  <tr><th>{{_('IVR choices')}}</th><td id="pop-vars">
  % for k, val in sorted(c.get('vars', {}).items()):
    <span class="badge">{{k}} = {{val}}</span>
  % end
  </td></tr>
% end
% pc = c.get('previous_calls') or {}
  <tr><th>{{_('Earlier queue calls')}}</th><td>{{pc.get('count', 0)}}</td></tr>
</table>
% hist = c.get('history') or []
<h3>{{_('Previous calls from this number')}}</h3>
% if hist:
<table class="history">
 <tr><th>{{_('Time')}}</th><th>{{_('From')}}</th><th>{{_('To')}}</th><th>{{_('Result')}}</th><th class="num">{{_('Talk')}}</th><th>{{_('Notes')}}</th></tr>
 % for h in hist:
 <tr><td>{{when(h.get('start'))}}</td><td>{{h.get('src', '')}}</td><td>{{h.get('dst', '')}}</td>
     <td>{{_(dispositions.get(h.get('disposition'), h.get('disposition') or ''))}}</td>
     <td class="num">{{mmss(h.get('billsec'))}}</td><td>{{h.get('notes') or ''}}</td></tr>
 % end
</table>
% else:
<p class="muted">{{_('None: a first-time caller.')}}</p>
% end
% notes = c.get('notes') or []
% earlier = c.get('caller_notes') or []
% if notes or earlier:
<h3>{{_('Notes')}}</h3>
<ul class="notes" id="pop-notes">
% for n in notes:
  <li><span class="muted">{{when(n.get('time'))}} {{n.get('author', '')}}</span> {{n.get('text', '')}}
  % if n.get('followup'):
  <span class="badge warn">{{_('follow-up')}} {{n.get('category', '')}}</span>
  % end
  </li>
% end
% for n in earlier:
  <li class="earlier"><span class="muted">{{when(n.get('time'))}} {{n.get('author', '')}} · {{_('earlier call')}}</span> {{n.get('text', '')}}</li>
% end
</ul>
% end
% end
