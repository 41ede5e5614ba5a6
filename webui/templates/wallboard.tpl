% rebase('base.tpl', title=title)
<div class="wall" hx-ext="sse" sse-connect="/sse/wallboard">
  <header>
    <h1>{{box_name}} · {{title}}</h1>
    <div class="agents-line" id="part-agents" sse-swap="agents">
    % include('wall_agents')
    </div>
  </header>
  <div id="part-tiles" sse-swap="tiles">
  % include('wall_tiles')
  </div>
</div>
