<div class="actions wizard-nav">
 % if prev:
 <a class="button secondary" href="/setup/{{prev.key}}" id="back">{{_('Back')}}</a>
 % end
 <button type="submit" id="next">{{_('Next')}}</button>
</div>
