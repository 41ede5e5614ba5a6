% rebase('base.tpl', title=title, extra_css=['system.css'])
% from webui.forms import field
<h1>{{title}}</h1>
<p class="muted">{{_('Prompts are what callers hear in menus, queues and voicemail. Your own prompt plays instead of a built-in one of the same name.')}}</p>
<form method="get" action="/config/prompts" class="actions">
 <label for="lang-pick">{{_('Language')}}</label>
 <select id="lang-pick" name="language">
 % for l in languages:
  <option value="{{l}}"{{' selected' if l == language else ''}}>{{'中文' if l == 'zh' else 'English'}}</option>
 % end
 </select>
 <button type="submit" class="secondary">{{_('Show')}}</button>
</form>
% if down:
<div class="flash error" role="alert">{{_('The box did not answer: {reason}').format(reason=down)}}</div>
% end
<h2>{{_('Your prompts')}}</h2>
% custom = [p for p in rows if p['source'] == 'custom']
% if custom:
% include('prompts_rows.tpl', items=custom)
% else:
<p class="muted" id="no-custom">{{_('No prompts of your own yet: upload one or record it from a phone.')}}</p>
% end
<div class="grid2">
<div class="card">
<h2>{{_('Upload a prompt')}}</h2>
<form class="stack" method="post" action="/config/prompts" enctype="multipart/form-data">
  {{!csrf_field}}<input type="hidden" name="language" value="{{language}}">
  {{!field('name', _('Prompt name'), values, errors, required=True, placeholder='welcome_sales', list='prompt-names', help=_('Use an existing name to replace that prompt.'))}}
  <div class="field{{' invalid' if errors.get('file') else ''}}">
   <label for="f-file">{{_('WAV file')}}</label>
   <input type="file" id="f-file" name="file" accept=".wav,audio/wav,audio/x-wav" required>
   % if errors.get('file'):
   <div class="error" id="f-file-err" role="alert">{{errors['file']}}</div>
   % end
   <div class="help">{{_('Any PCM (uncompressed) WAV up to 10 minutes; it is converted to 8 kHz mono.')}}</div>
  </div>
  <div class="actions"><button type="submit">{{_('Upload')}}</button></div>
</form>
<datalist id="prompt-names">
% for p in rows:
 <option value="{{p['name']}}"></option>
% end
</datalist>
</div>
<div class="card">
<h2>{{_('Record from a phone')}}</h2>
% if phones:
<form class="stack" method="post" action="/config/prompts/record" id="record-form">
  {{!csrf_field}}<input type="hidden" name="language" value="{{language}}">
  {{!field('number', _('Prompt number'), rec_values, rec_errors, required=True, placeholder='1001', inputmode='numeric', help=_('Menus play it by this number.'))}}
  {{!field('extension', _('Ring this phone'), rec_values, rec_errors, kind='select', choices=phones, required=True)}}
  <div class="actions"><button type="submit">{{_('Ring and record')}}</button></div>
</form>
<p class="muted">{{_('Or, on any extension (SIP phones too):')}}</p>
% end
<ol>
 <li>{{_('On any extension, dial {code}, the prompt number and #, for example {example}.').format(code=record_code, example=record_code + '1001#')}}</li>
 <li>{{_('After the beep, speak; press # when done.')}}</li>
 <li>{{_('You hear the recording: press 1 to save it, 2 to record again, 3 to cancel.')}}</li>
</ol>
<p class="muted">{{_('The recording is saved as prompt 1001 (the number you dialled) and appears in this list.')}}</p>
</div>
</div>

% system = [p for p in rows if p['source'] != 'custom']
<details class="card">
 <summary>{{_('Built-in prompts ({n})').format(n=len(system))}}</summary>
% include('prompts_rows.tpl', items=system)
</details>
