% rebase('base.tpl', title=title, extra_css=['system.css'])
<h1>{{title}}</h1>
<div class="grid2">
<div class="card">
 <h2>{{_('Running now')}}</h2>
 <table>
  <tr><th>{{_('Firmware version')}}</th><td id="fw-version">{{version}}</td></tr>
  <tr><th>{{_('Configuration schema')}}</th><td id="fw-schema">{{schema}}</td></tr>
 </table>
</div>
<div class="card">
 <h2>{{_('Update the firmware')}}</h2>
 <p class="warn">{{_('Not available yet: firmware updates arrive with signed update images (two slots, automatic rollback). Until then this box cannot be updated from the web page.')}}</p>
 <form class="stack" method="post" action="/system/firmware" enctype="multipart/form-data">
  {{!csrf_field}}
  <div class="field"><label for="f-image">{{_('Update image')}}</label>
   <input type="file" id="f-image" name="image" disabled></div>
  <div class="actions"><button type="submit" disabled>{{_('Upload and install')}}</button></div>
 </form>
 <p class="muted">{{_('Take a backup before any update (System → Backup and restore).')}}</p>
</div>
</div>
