% rebase('base.tpl', title=title)
<h1>{{title}}</h1>
<div class="dash-tools card">
  <form class="inline" hx-post="/dashboard/extension" hx-target="#action-result">
    <label for="listen-ext">{{_('I listen from extension')}}</label>
    <input type="text" id="listen-ext" name="extension" value="{{listen_ext}}" inputmode="numeric" size="6" placeholder="803">
    % if has_supervisors:
    <label for="sup-number">{{_('as supervisor')}}</label>
    <input type="text" id="sup-number" name="supervisor" value="{{sup_number}}" inputmode="numeric" size="6">
    <label for="sup-pin">{{_('PIN')}}</label>
    <input type="password" id="sup-pin" name="pin" value="" inputmode="numeric" size="6" autocomplete="off">
    % end
    <button type="submit" class="secondary">{{_('Save')}}</button>
  </form>
  <span class="inline">
    <label for="pause-reason">{{_('Pause reason')}}</label>
    <select id="pause-reason" name="reason">
      % if not reasons:
      <option value="">{{_('(none)')}}</option>
      % end
      % for code, label in reasons:
      <option value="{{code}}">{{label}}</option>
      % end
    </select>
  </span>
  <a class="button secondary" href="/wallboard">{{_('Wallboard')}}</a>
  <a class="button secondary" href="/notices">{{_('Notices')}}</a>
</div>
<div id="action-result" aria-live="polite"></div>
<div id="live" hx-ext="sse" sse-connect="/sse/dashboard">
  <div id="part-daemon" sse-swap="daemon">
  % if error:
  <div class="flash error" role="alert">{{error}}</div>
  % end
  </div>
  <section>
    <h2>{{_('Queues')}}</h2>
    <div id="part-queues" sse-swap="queues">
    % include('dash_queues')
    </div>
  </section>
  <section>
    <h2>{{_('Agents')}}</h2>
    <div id="part-agents" sse-swap="agents">
    % include('dash_agents')
    </div>
    <div id="part-sessions" sse-swap="sessions">
    % include('dash_sessions')
    </div>
  </section>
  <div class="dash-cols">
    <section>
      <h2>{{_('Extensions')}}</h2>
      <div id="part-extensions" sse-swap="extensions">
      % include('dash_extensions')
      </div>
    </section>
    <section>
      <h2>{{_('Trunks and lines')}}</h2>
      <div id="part-lines" sse-swap="lines">
      % include('dash_lines')
      </div>
      <h2>{{_('Conferences')}}</h2>
      <div id="part-conferences" sse-swap="conferences">
      % include('dash_conferences')
      </div>
    </section>
  </div>
</div>
