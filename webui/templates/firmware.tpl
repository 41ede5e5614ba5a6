% rebase('base.tpl', title=title, extra_css=['system.css'])
<h1>{{title}}</h1>
% if error:
<div class="flash error" role="alert">{{error}}</div>
% end
<div class="grid2">
<div class="card">
 <h2>{{_('Running now')}}</h2>
 <table class="facts">
  <tr><th>{{_('Firmware version')}}</th><td id="fw-version">{{version}}</td></tr>
  <tr><th>{{_('Configuration schema')}}</th><td id="fw-schema">{{schema}}</td></tr>
  <tr><th>{{_('Configuration version')}}</th><td id="fw-config-version">{{config_version}}</td></tr>
  <tr><th>{{_('Running for')}}</th><td id="fw-uptime">{{uptime}}{{(' · ' + _('virtual clock')) if clock == 'virtual' else ''}}</td></tr>
 </table>
 <p class="muted">{{_('The configuration version counts the changes saved since the box was set up.')}}</p>
</div>
<div class="card" id="fw-disk">
 <h2>{{_('Storage')}}</h2>
 % if disk:
 <table class="facts">
  <tr><th>{{_('Data folder')}}</th><td><code>{{disk['data_dir']}}</code></td></tr>
  <tr><th>{{_('Used by the box')}}</th><td id="fw-data-bytes">{{size(disk['data_bytes'])}}{{'' if disk['complete'] else ' +'}}</td></tr>
  <tr><th>{{_('Free on the disk')}}</th><td id="fw-free"><span class="badge {{'bad' if low else 'ok'}}">{{_('{free} of {total}').format(free=size(disk['disk_free_bytes']), total=size(disk['disk_total_bytes']))}}</span></td></tr>
 </table>
 % if low:
 <p class="warn">{{_('Less than a tenth of the disk is free. Recordings and voicemail stop being saved when the disk is full; delete old recordings or lower their retention.')}}</p>
 % end
 <table class="counts" id="fw-parts">
  <tr><th>{{_('In the data folder')}}</th><th class="num">{{_('Size')}}</th></tr>
  % for p in disk['parts'][:8]:
  <tr><td><code>{{p['name']}}</code></td><td class="num">{{size(p['bytes'])}}</td></tr>
  % end
 </table>
 % else:
 <p class="warn">{{get('disk_error', '')}}</p>
 % end
</div>
<div class="card" id="fw-update">
 <h2>{{_('Update the firmware')}}</h2>
 <p class="warn" id="fw-upload-note">{{_('Uploading a firmware image arrives with the firmware image work (signed update images, two slots, automatic rollback). Until then this box cannot be updated from this page; the form below stays disabled.')}}</p>
 <form class="stack" method="post" action="/system/firmware" enctype="multipart/form-data">
  {{!csrf_field}}
  <div class="field"><label for="f-image">{{_('Update image')}}</label>
   <input type="file" id="f-image" name="image" disabled></div>
  <div class="actions"><button type="submit" disabled>{{_('Upload and install')}}</button></div>
 </form>
 <p class="muted">{{_('Take a backup before any update (System → Backup and restore).')}}</p>
</div>
</div>
