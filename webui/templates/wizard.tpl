% rebase('base.tpl', title=title)
% from webui.forms import field
<h1>{{title}}</h1>
<ul class="steps" id="steps">
% for i, s in enumerate(steps):
 <li class="{{'on' if i == index else ('done' if i < reached else '')}}"><a href="/setup/{{s.key}}">{{i + 1}}. {{_(s.title)}}</a></li>
% end
</ul>
<div class="card wizard-step" id="step-{{step.key}}">
<h2>{{index + 1}}. {{_(step.title)}}</h2>
% if errors.get('_'):
<div class="flash error" role="alert">{{errors['_']}}</div>
% end
% include('wizard_' + step.key + '.tpl')
</div>
