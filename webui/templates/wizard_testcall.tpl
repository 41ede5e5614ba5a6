% if ok:
<div class="flash" role="status" id="testcall-ok">{{_('Extension {ext} is ringing now. Answer it to hear the test greeting.').format(ext=ext)}}</div>
% else:
<div class="flash error" role="alert">{{_('Extension {ext} does not ring: {reason}').format(ext=ext, reason=reason)}}</div>
% end
