% if notices:
<div class="notices" role="region" aria-label="{{_('Notices')}}">
% for n in notices:
  <div class="notice"><strong>{{_('Notice')}}</strong> {{n.get('text', '')}} <span class="muted">— {{n.get('author', '')}}, {{when(n.get('posted'))}}</span></div>
% end
</div>
% end
