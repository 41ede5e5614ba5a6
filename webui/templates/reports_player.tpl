<audio controls autoplay preload="auto" id="audio-{{kind}}-{{item}}" src="/reports/{{kind}}/{{item}}/audio">{{_('Your browser cannot play this audio.')}}</audio>
