% rebase('base.tpl', title=title, extra_css=['system.css'])
<h1>{{title}}</h1>
% if error:
<div class="flash error" role="alert" id="backup-error">{{error}}</div>
% end
% if plan is not None:
<div class="card" id="restore-plan">
 <h2>{{_('Restore {file}?').format(file=filename)}}</h2>
 <p>{{_('Made {when} by firmware {firmware} (configuration schema {schema}). Everything checked: it can be restored.').format(when=made, firmware=manifest.get('firmware', '?'), schema=manifest.get('schema', '?'))}}</p>
 % changed = [r for r in plan if r['changed']]
 % same = [r for r in plan if not r['changed']]
 % if changed:
 <h3>{{_('What the restore changes')}}</h3>
 <table class="counts" id="plan-changes">
  <tr><th>{{_('Part')}}</th><th class="num">{{_('Now')}}</th><th class="num">{{_('In the backup')}}</th><th>{{_('Change')}}</th></tr>
  % for row in changed:
  <tr data-table="{{row['table']}}"><td>{{row['label']}}</td><td class="num">{{row['now']}}</td><td class="num">{{row['backup']}}</td>
   <td class="changed">{{'; '.join(row['what'])}}</td></tr>
  % end
 </table>
 % else:
 <p id="plan-nothing">{{_('The backup holds the same configuration as the box has now; restoring changes nothing but the prompts.')}}</p>
 % end
 % if same:
 <details id="plan-same"><summary>{{_('{n} parts stay the same').format(n=len(same))}}</summary>
 <table class="counts">
  % for row in same:
  <tr data-table="{{row['table']}}"><td>{{row['label']}}</td><td class="num">{{row['now']}}</td><td class="muted">{{_('same')}}</td></tr>
  % end
 </table></details>
 % end
 % if prompts:
 <p id="plan-prompts">{{_('Prompts in the backup: {n}.').format(n=len(prompts))}} {{', '.join(f'{l}/{n}' for l, n in prompts)}} {{_('They are added or replaced; other prompts on the box stay.')}}</p>
 % else:
 <p id="plan-prompts" class="muted">{{_('The backup holds no prompts of your own.')}}</p>
 % end
 <p class="warn">{{_('Restoring replaces the whole configuration (web logins stay as they are). Calls in progress continue.')}}</p>
 <form method="post" action="/system/backup/apply" class="actions">
  {{!csrf_field}}<input type="hidden" name="token" value="{{token}}"><input type="hidden" name="filename" value="{{filename}}">
  <button type="submit" name="action" value="apply" class="danger" id="restore-apply">{{_('Restore now')}}</button>
  <button type="submit" name="action" value="cancel" class="secondary">{{_('Cancel')}}</button>
 </form>
</div>
% end
<div class="grid2">
<div class="card">
 <h2>{{_('Download a backup')}}</h2>
 <p>{{_('A .tar.gz archive with the whole configuration, your own prompts and a manifest (firmware version, schema, time). Web logins are not included; PINs and passwords stay hashed.')}}</p>
 <form method="post" action="/system/backup/download">{{!csrf_field}}<button type="submit" id="backup-download">{{_('Download backup')}}</button></form>
</div>
<div class="card">
 <h2>{{_('Restore a backup')}}</h2>
 <p>{{_('The archive is checked completely first; you see what would change before anything is applied.')}}</p>
 <form class="stack" method="post" action="/system/backup/restore" enctype="multipart/form-data">
  {{!csrf_field}}
  <div class="field"><label for="f-file">{{_('Backup file')}}</label>
   <input type="file" id="f-file" name="file" accept=".tar.gz,.tgz,application/gzip" required></div>
  <div class="actions"><button type="submit" class="secondary" id="restore-check">{{_('Check the backup')}}</button></div>
 </form>
</div>
</div>
