% rebase('base.tpl', title=title)
% from webui.forms import field
<div class="agent-panel" hx-ext="sse" sse-connect="/sse/agent">
<div id="notices" sse-swap="notices">
% include('agent_notices')
</div>
<h1>{{title}} · {{agent}}{{(' ' + agent_name) if agent_name else ''}}</h1>
<div class="agent-grid">
  <section class="card" id="state" sse-swap="state">
  % include('agent_state')
  </section>
  <section class="card pop" id="pop" sse-swap="pop">
  % include('agent_pop')
  </section>
  <section class="card tools">
    <h2>{{_('Notes on the call')}}</h2>
    % include('agent_note')
    <h2>{{_('Call tools')}}</h2>
    <div id="tools-flash">{{!get('tools_html', '')}}</div>
    <form class="inline" method="post" action="/agent/transfer" hx-post="/agent/transfer" hx-target="#tools-flash">
      {{!csrf_field}}
      <label for="f-transfer">{{_('Transfer to')}}</label>
      <input id="f-transfer" name="to" list="transfer-targets" inputmode="numeric" placeholder="{{_('queue or extension')}}" size="12">
      <datalist id="transfer-targets">
      % for e in extensions:
        <option value="{{e}}">
      % end
      </datalist>
      <button type="submit">{{_('Transfer')}}</button>
    </form>
    <form class="inline" method="post" action="/agent/record" hx-post="/agent/record" hx-target="#tools-flash">
      {{!csrf_field}}
      <span>{{_('Recording')}}</span>
      <button type="submit" name="action" value="start" class="secondary">{{_('Start recording')}}</button>
      <button type="submit" name="action" value="stop" class="secondary">{{_('Stop recording')}}</button>
    </form>
    <form class="inline" method="post" action="/agent/dial" hx-post="/agent/dial" hx-target="#tools-flash">
      {{!csrf_field}}
      <label for="f-dial">{{_('Call a number')}}</label>
      <input id="f-dial" name="to" inputmode="tel" size="14" placeholder="{{_('number')}}">
      <button type="submit">{{_('Dial')}}</button>
    </form>
  </section>
  <section class="card kb">
    <h2>{{_('Knowledge base')}}</h2>
    <form method="get" action="/kb" role="search" target="_blank">
      <input type="search" name="q" id="kb-q" placeholder="{{_('Search articles (words or #tag)')}}"
             hx-get="/kb/search?tab=1" hx-trigger="input changed delay:300ms, search" hx-target="#kb-results" autocomplete="off">
    </form>
    <div id="kb-results"></div>
  </section>
  <section class="card" id="followups" sse-swap="followups">
  % include('agent_followups')
  </section>
</div>
</div>
