% if error:
<div class="flash error" role="alert">
 <p><strong>{{error_title}}</strong></p>
 <p>{{error}}</p>
 <p>{{_('This page tries again every {n} seconds.').format(n=refresh)}}</p>
</div>
% else:
<p class="muted">
 {{box.get("name") or "Hotline"}} ·
 {{_('board')}} {{box.get("board", "?")}}{{(" (" + _('simulated') + ")") if box.get("simulated") else ""}}
 % if box.get("country"):
 · {{_('country')}} {{box["country"]}}
 % end
 % if "uptime_s" in box:
 · {{_('up')}} {{duration(box["uptime_s"])}}
 % end
 % if box.get("version"):
 · {{_('version')}} {{box["version"]}}
 % end
</p>
<h2>{{_('Ports')}}</h2>
% if ports:
<table id="ports">
 <tr>
 % for col in port_columns:
  <th>{{col}}</th>
 % end
 </tr>
 % for port in ports:
 <tr>
  % for col in port_columns:
  <td class="{{'state-' + cell(port.get('state')) if col == 'state' else col}}">{{cell(port.get(col))}}</td>
  % end
 </tr>
 % end
</table>
% else:
<p class="muted">{{_('No ports.')}}</p>
% end
<h2>{{_('Calls')}}</h2>
% if calls:
<table id="calls">
 <tr>
 % for col in call_columns:
  <th>{{"duration" if col == "duration_s" else col}}</th>
 % end
 </tr>
 % for call in calls:
 <tr>
  % for col in call_columns:
  <td>{{duration(call.get(col)) if col == "duration_s" else cell(call.get(col))}}</td>
  % end
 </tr>
 % end
</table>
% else:
<p class="muted">{{_('No calls in progress.')}}</p>
% end
% if counters:
<h2>{{_('Counters')}}</h2>
<table id="counters">
 % for name, value in counters.items():
 <tr><th>{{name}}</th><td>{{cell(value)}}</td></tr>
 % end
</table>
% end
% end
