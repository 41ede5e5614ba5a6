<p>{{_('The ports the box found in each slot. Lines (FXO) should show a line with voltage from the exchange; lift a phone on an FXS port to see it go off-hook.')}}</p>
% include('wizard_ports_table.tpl')
<div class="actions"><button type="button" class="secondary" id="check-lines" hx-get="/setup/ports/check" hx-target="#port-check" hx-swap="outerHTML">{{_('Check lines')}}</button></div>
<form method="post" action="/setup/ports">
 {{!csrf_field}}
 % include('wizard_nav.tpl')
</form>
