% rebase('base.tpl', title=title, extra_css=['config.css'])
<p class="crumbs"><a href="/config/regions">← {{_('Caller regions')}}</a></p>
<h1>{{title}}</h1>
<p class="muted">{{_('CSV with the header line prefix,area,queue,agents; agents separated by |; lines starting with # are comments.')}}</p>
<div class="card">
<form class="stack" method="post" action="/config/regions/_import" enctype="multipart/form-data" id="import-form">
  {{!csrf_field}}
  <div class="field{{' invalid' if error else ''}}">
    <label for="f-file">{{_('CSV file (at most {kb} kB)').format(kb=max_kb)}}</label>
    <input type="file" id="f-file" name="file" accept=".csv,.txt,text/csv">
    <label for="f-csv">{{_('or paste the table')}}</label>
    <textarea id="f-csv" name="csv" placeholder="prefix,area,queue,agents">{{text}}</textarea>
    % if error:
    <div class="error" role="alert">{{error}}</div>
    % end
  </div>
  <div class="field"><label><input type="checkbox" name="replace" value="1"> {{_('Replace all regions (else add and update)')}}</label></div>
  <div class="actions"><button type="submit">{{_('Import')}}</button></div>
</form>
</div>
