"""The firmware page (admin): the running version and configuration schema, and the place
where firmware updates will be uploaded.  Updates arrive with the firmware image issue
(signed bundles, A/B slots): until then the upload is refused and says so; nothing is
pretended."""
from __future__ import annotations

from typing import Any

import bottle

from webui.i18n import N_, _
from webui.pages.backup import firmware_version
from webui.render import add_nav, render
from webui.web import Web

ROLES = ("admin",)


def install(app: bottle.Bottle, web: Web) -> None:
    add_nav("/system/firmware", N_("Firmware"), ROLES, N_("System"))

    def page(status: int = 200, **kw: Any) -> str:
        bottle.response.status = status
        return render("firmware", title=_("Firmware"), version=firmware_version(web),
                      schema=web.store.schema_version(), **kw)

    @app.get("/system/firmware", roles=ROLES)
    def firmware_page() -> str:
        return page()

    @app.post("/system/firmware", roles=ROLES)
    def firmware_upload() -> str:
        return page(501, flash=("error", _("Firmware updates are not available yet on this box: they arrive "
                                           "with signed update images. Nothing was changed.")))
