<!doctype html>
<html lang="{{'zh-CN' if lang == 'zh' else 'en'}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="{{csrf}}">
<meta name="htmx-config" content='{"allowEval": false, "includeIndicatorStyles": false, "selfRequestsOnly": true}'>
<title>{{title}} · {{box_name}}</title>
<link rel="stylesheet" href="/static/app.css">
% for sheet in get('extra_css', []):
<link rel="stylesheet" href="/static/{{sheet}}">
% end
<script src="/static/htmx.min.js" defer></script>
<script src="/static/htmx-sse.min.js" defer></script>
<script src="/static/app.js" defer></script>
% for js in get('extra_js', []):
<script src="/static/{{js}}" defer></script>
% end
</head>
<body class="{{get('body_class', '')}}">
% if get('bare', False):
{{!base}}
% else:
<header class="top">
  <span class="brand">☎ {{box_name}}</span>
  % if user:
  <span>{{user.username}} <span class="badge">{{_(user.role)}}</span></span>
  <a href="/account/password">{{_('My account')}}</a>
  <form method="post" action="/logout">{{!csrf_field}}<button class="link" type="submit">{{_('Log out')}}</button></form>
  % end
</header>
<div class="layout">
  % if user and nav:
  <nav class="side">
    % for group, items in nav:
    <h4>{{group}}</h4>
    % for href, label in items:
    <a href="{{href}}" class="{{'on' if path == href or (href != '/' and path.startswith(href + '/')) else ''}}">{{label}}</a>
    % end
    % end
  </nav>
  % end
  <main>
    % if flash:
    <div class="flash {{flash[0]}}" role="status">{{flash[1]}}</div>
    % end
    {{!base}}
  </main>
</div>
% end
</body>
</html>
