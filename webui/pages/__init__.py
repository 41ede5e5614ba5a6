"""The pages of the web UI, one module per area; each has ``install(app, web)``.

Add a module here to add its pages.  A module adds its menu entries with
:func:`webui.render.add_nav` and declares each route's roles (``roles=(...)``) or
``public=True`` (only the login page does).
"""
from webui.pages import account, agent, audit, dashboard, home, kb, notices, users, wallboard, wizard
from webui.pages import reports, reports_acd, reports_media
from webui.pages import backup, firmware, ivr_editor, prompts, syslog
from webui.pages import config_settings, config_tables

MODULES = [account, home, users, audit]
MODULES += [dashboard, wallboard, notices]
MODULES += [agent, kb]
MODULES += [wizard]
MODULES += [reports, reports_acd, reports_media]
MODULES += [ivr_editor, prompts, backup, syslog, firmware]
MODULES += [config_tables, config_settings]
