<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="{{refresh}}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}}</title>
<style>
 body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
 h1 { font-size: 1.4em; margin-bottom: .2em; }
 p.box { color: #555; margin-top: 0; }
 table { border-collapse: collapse; margin-bottom: 1.5em; }
 th, td { border: 1px solid #ccc; padding: .25em .7em; text-align: left; }
 th { background: #f0f0f0; }
 td.state-idle { color: #777; }
 .error { border: 2px solid #c33; background: #fee; padding: 1em; max-width: 40em; }
 .none { color: #777; }
</style>
</head>
<body>
% if error:
<h1>Hotline</h1>
<div class="error">
 <p><strong>{{error_title}}</strong></p>
 <p>{{error}}</p>
 <p>This page tries again every {{refresh}} seconds.</p>
</div>
% else:
<h1>{{box.get("name") or "Hotline"}}</h1>
<p class="box">
 board {{box.get("board", "?")}}{{" (simulated)" if box.get("simulated") else ""}}
 % if box.get("country"):
 · country {{box["country"]}}
 % end
 % if "uptime_s" in box:
 · up {{duration(box["uptime_s"])}}
 % end
 % if box.get("clock"):
 · {{box["clock"]}} clock
 % end
 % if box.get("version"):
 · version {{box["version"]}}
 % end
</p>

<h2>Ports</h2>
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
<p class="none">No ports.</p>
% end

<h2>Calls</h2>
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
<p class="none">No calls in progress.</p>
% end

% if counters:
<h2>Counters</h2>
<table id="counters">
 % for name, value in counters.items():
 <tr><th>{{name}}</th><td>{{cell(value)}}</td></tr>
 % end
</table>
% end
% end
</body>
</html>
