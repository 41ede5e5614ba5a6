<form class="stack" method="post" action="/setup/hours">
 {{!csrf_field}}
 <p>{{_('Opening hours for each day, like 09:00-12:00, 13:00-18:00; leave a day empty when closed. Menus and routes use them as the time condition "business_hours".')}}</p>
 <div class="grid">
 % for key, label in days:
 {{!field(key, _(label), values, errors, placeholder='09:00-18:00')}}
 % end
 </div>
 {{!field('holidays', _('Holidays (optional)'), values, errors, kind='textarea', placeholder='2025-10-01 National Day', help=_('One per line: YYYY-MM-DD (or MM-DD for every year) and a name. Removing a line deletes that holiday.'))}}
 % include('wizard_nav.tpl')
</form>
