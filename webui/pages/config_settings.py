"""Settings pages of the configuration: the general settings (box name, timeouts, SIP,
voicemail email), the feature codes (``settings.feature_codes``) and the recording
policies (``settings.recording`` as a form: defaults plus one row per extension / queue /
trunk / route rule).  Roles admin and installer; saved through ``web.acting()``.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

import bottle

from firmware.config.countries import country_rows
from firmware.config.errors import ConfigError
from firmware.config.featurecodes import DEFAULT_FEATURE_CODES, FEATURE_CODES
from webui.i18n import N_, _
from webui.pages.config_tables import targets
from webui.pages.tables import CONFIG_ROLES, Field as F, SettingsPage, _errors, install_settings, render_field
from webui.render import add_nav, render
from webui.web import Web

GENERAL = SettingsPage("/config/settings", N_("General settings"), intro=N_(
    "Settings of the whole box. Times are in milliseconds (ms): 1000 ms = 1 s."), fields=(
    F("box_name", N_("Box name"), required=True, section=N_("The box")),
    F("language", N_("Language of the box"), "select", (("zh", "中文"), ("en", "English")),
      help=N_("Prompts and the web UI for users without their own choice")),
    F("country", N_("Country"), "select",
      lambda store: [(r["code"], f"{r['code']} — {r['name']} ({r['callerid']}, {r['companding']})")
                     for r in country_rows()],
      help=N_("Tones, caller ID and numbering")),
    F("operator", N_("Operator (dial 0)"), "dest", targets=targets("extension", "ring_group"), blank=N_("— none")),
    F("emergency_numbers", N_("Extra emergency numbers"), "lines",
      help=N_("One per line; the country's own (110, 119, 120...) are always allowed")),
    F("first_digit_timeout_ms", N_("Wait for the first digit (ms)"), "number", section=N_("Dialling and timeouts"),
      help="1000–60000"),
    F("interdigit_timeout_ms", N_("Wait between digits (ms)"), "number", help="500–30000"),
    F("ring_timeout_ms", N_("Ring an extension for (ms)"), "number", help="5000–600000"),
    F("flash_min_ms", N_("Shortest hook flash (ms)"), "number", help="20–1000"),
    F("flash_max_ms", N_("Longest hook flash (ms)"), "number", help="100–2000"),
    F("transfer_recall_ms", N_("Unanswered transfer rings back after (ms)"), "number", help="5000–300000"),
    F("followme_confirm_ms", N_("Follow-me waits for the key (ms)"), "number", help="5000–120000"),
    F("consult_flash", N_("Flash during a consultation call"), "select",
      (("conference", N_("makes a three-way call")), ("return", N_("returns to the first caller")))),
    F("pin_for_international", N_("International calls need the extension's PIN"), "checkbox",
      section=N_("Limits")),
    F("max_outbound_calls", N_("Outside calls at once for the box (0 = no limit)"), "number"),
    F("max_outbound_minutes", N_("Outside minutes per month (0 = no limit)"), "number"),
    F("sip_bind", N_("SIP address and port"), section=N_("SIP"), help=N_("HOST:PORT, e.g. 0.0.0.0:5060; off = no SIP")),
    F("sip_advertise", N_("Public address"), help=N_("Put in SIP messages instead of the bound one; empty = the same")),
    F("sip_realm", N_("Realm")),
    F("sip_codecs", N_("Codecs"), help=N_("e.g. PCMA,PCMU; empty = the country's default")),
    F("sip_rtp_ports", N_("RTP ports"), help=N_("A range like 10000-20000")),
    F("sip_dtmf", N_("Keys sent to phones as"), "select", (("rfc4733", "RFC 4733"), ("info", "SIP INFO"),
                                                          ("inband", N_("tones in the audio")))),
    F("sip_max_contacts", N_("Devices per extension"), "number"),
    F("sip_qualify_ms", N_("Check phones every (ms, 0 = never)"), "number"),
    F("sip_lockout_failures", N_("Wrong passwords before a source is blocked (0 = never)"), "number"),
    F("sip_lockout_ms", N_("Block for (ms)"), "number"),
    F("voicemail_prefix", N_("Voicemail prefix"), section=N_("Voicemail and email"),
      help=N_("Prefix + mailbox leaves a message (6 + 801)")),
    F("voicemail_main", N_("Voicemail main number")),
    F("voicemail_followup_hours", N_("Messages are overdue after (hours)"), "number"),
    F("smtp_host", N_("Mail server"), help=N_("Empty = no email")),
    F("smtp_port", N_("Mail server port"), "number"),
    F("smtp_user", N_("Mail user")),
    F("smtp_password", N_("Mail password"), "secret"),
    F("smtp_from", N_("Sender address"), "email"),
    F("smtp_starttls", N_("Use STARTTLS"), "checkbox"),
))

#: short names of the feature codes (their long description comes from firmware)
FEATURE_LABELS: Mapping[str, str] = {
    "pickup": N_("Group pickup"), "directed_pickup": N_("Directed pickup"),
    "dnd_on": N_("Do not disturb on"), "dnd_off": N_("Do not disturb off"),
    "cfu_on": N_("Forward all on"), "cfu_off": N_("Forward all off"),
    "cfb_on": N_("Forward when busy on"), "cfb_off": N_("Forward when busy off"),
    "cfna_on": N_("Forward when not answered on"), "cfna_off": N_("Forward when not answered off"),
    "followme_on": N_("Follow-me on"), "followme_off": N_("Follow-me off"),
    "day_night": N_("Day/night override"), "record_toggle": N_("Record this call on/off"),
    "agent_login": N_("Agent login"), "agent_logout": N_("Agent logout"), "agent_pause": N_("Agent pause"),
    "agent_unpause": N_("Agent ready"), "agent_wrapup": N_("Agent: more wrap-up time"),
    "agent_survey": N_("Agent: hand over to the survey"), "voicemail": N_("Own voicemail"),
    "record_prompt": N_("Record a prompt"), "voicemail_main": N_("Voicemail from any phone"),
    "supervise_listen": N_("Supervisor: listen"), "supervise_whisper": N_("Supervisor: whisper"),
    "supervise_barge": N_("Supervisor: barge in"), "supervise_takeover": N_("Supervisor: take over"),
}

MODES = (("never", N_("never")), ("on_demand", N_("on demand (*1 during the call)")), ("always", N_("always")))
SCOPES = (("queues", N_("queue")), ("extensions", N_("extension")), ("trunks", N_("line or SIP trunk")),
          ("routes", N_("inbound route")))
EMPTY_RULE_ROWS = 3
RECORDING_FIELDS = (
    F("default", N_("Record calls"), "select", MODES, help=N_("When no rule below applies")),
    F("announce", N_("Announce 'this call may be recorded'"), "checkbox"),
    F("format", N_("Format"), "select", (("alaw", N_("A-law, 8 bit (small files)")), ("pcm16", N_("PCM 16 bit")))),
    F("channels", N_("Channels"), "select", (("stereo", N_("stereo: caller left, callee right")),
                                             ("mono", N_("mono (mixed)")))),
    F("retention_days", N_("Keep recordings for (days, 0 = forever)"), "number"),
    F("quota_mb", N_("All recordings at most (MB, 0 = no quota)"), "number"),
    F("min_free_mb", N_("Stop recording below this free space (MB)"), "number"),
)


def install(app: bottle.Bottle, web: Web) -> None:
    install_settings(app, web, GENERAL)
    _install_feature_codes(app, web)
    _install_recording(app, web)


# --------------------------------------------------------------------------- feature codes
def _install_feature_codes(app: bottle.Bottle, web: Web) -> None:
    path = "/config/feature_codes"
    add_nav(path, N_("Feature codes"), CONFIG_ROLES, N_("Setup"))
    fields = [F(f"feature_codes.{fc.name}", FEATURE_LABELS.get(fc.name, fc.name), placeholder=fc.default)
              for fc in FEATURE_CODES]

    def page(values: dict, errors: Optional[dict] = None, flash: Any = None) -> str:
        errors = errors or {}
        rows = [(fc, render_field(f, values, errors, web.store)) for fc, f in zip(FEATURE_CODES, fields)]
        return render("config_feature_codes", title=_("Feature codes"), rows=rows, flash=flash)

    def current() -> dict:
        return {f"feature_codes.{k}": v for k, v in web.store.settings()["feature_codes"].items()}

    @app.get(path, roles=CONFIG_ROLES)
    def show() -> str:
        return page(current(), flash=("", _("Settings saved.")) if bottle.request.query.get("saved") else None)

    @app.post(path, roles=CONFIG_ROLES)
    def save() -> Any:
        forms = bottle.request.forms
        codes = {fc.name: forms.getunicode(f"feature_codes.{fc.name}", default="").strip() for fc in FEATURE_CODES}
        old = web.store.settings()["feature_codes"]
        changed = {k: v for k, v in codes.items() if old.get(k) != v}
        try:
            if changed:
                with web.acting() as store:
                    # only codes that differ from the defaults: a clash then names the code just typed
                    store.update_settings({"feature_codes": {k: v for k, v in {**old, **changed}.items()
                                                             if k in changed or v != DEFAULT_FEATURE_CODES.get(k)}})
        except ConfigError as e:
            bottle.response.status = 400
            errors = _errors(e)
            named = next(iter(errors)).split(".")[-1]
            if named not in changed:         # the clash names the old code: show it on the one just typed
                mine = [k for k, v in changed.items() if v and v in e.message]
                if mine:
                    errors = {f"feature_codes.{mine[0]}": e.message}
            return page({f"feature_codes.{k}": v for k, v in codes.items()}, errors)
        return bottle.redirect(f"{path}?saved=1", 303)


# --------------------------------------------------------------------------- recording
def _rules_of(setting: Mapping[str, Any]) -> list[dict[str, str]]:
    rules = []
    for scope, _label in SCOPES:
        for name, e in setting.get(scope, {}).items():
            rules.append({"scope": scope, "name": name, "mode": e["mode"],
                          "retention_days": "" if e["retention_days"] == setting["retention_days"]
                          else str(e["retention_days"]),
                          "announce": "" if e["announce"] == setting["announce"] else ("1" if e["announce"] else "0")})
    return rules


def _install_recording(app: bottle.Bottle, web: Web) -> None:
    path = "/config/recording"
    add_nav(path, N_("Recording policies"), CONFIG_ROLES, N_("Setup"))

    def page(values: dict, rules: list[dict], errors: Optional[dict] = None, flash: Any = None) -> str:
        errors = errors or {}
        fields = [render_field(f, values, errors, web.store) for f in RECORDING_FIELDS]
        rows = list(rules) + [{"scope": "extensions", "name": "", "mode": "always", "retention_days": "",
                               "announce": ""}] * EMPTY_RULE_ROWS
        rule_errors: dict[int, str] = {}
        other = []
        for k, msg in errors.items():
            if k.startswith("recording.") and k.split(".")[1] in dict(SCOPES):
                parts = k.split(".")
                idx = next((i for i, r in enumerate(rows) if r["scope"] == parts[1] and len(parts) > 2
                            and r["name"] == parts[2]), None)
                if idx is not None:
                    rule_errors[idx] = msg
                    continue
                other.append(msg)
            elif k.startswith("rules."):
                rule_errors[int(k.split(".")[1])] = msg
            elif k.split(".")[-1] not in {f.name for f in RECORDING_FIELDS}:
                other.append(msg)
        if other and flash is None:
            flash = ("error", "; ".join(other))
        return render("config_recording", title=_("Recording policies"), fields=fields, rows=rows,
                      rule_errors=rule_errors, scopes=[(v, _(t)) for v, t in SCOPES],
                      modes=[(v, _(t)) for v, t in MODES], flash=flash)

    def values_of(setting: Mapping[str, Any]) -> dict:
        return {"default": setting["default"], "announce": "1" if setting["announce"] else "",
                "format": setting["format"], "channels": setting["channels"],
                "retention_days": str(setting["retention_days"]), "quota_mb": str(setting["quota_mb"]),
                "min_free_mb": str(setting["min_free_mb"])}

    @app.get(path, roles=CONFIG_ROLES)
    def show() -> str:
        s = web.store.settings()["recording"]
        return page(values_of(s), _rules_of(s),
                    flash=("", _("Settings saved.")) if bottle.request.query.get("saved") else None)

    @app.post(path, roles=CONFIG_ROLES)
    def save() -> Any:
        forms = bottle.request.forms
        values = {f.name: forms.getunicode(f.name, default="").strip() for f in RECORDING_FIELDS}
        values["announce"] = "1" if forms.get("announce") else ""
        rules: list[dict] = []
        i = 0
        while f"rule.name.{i}" in forms:
            r = {k: forms.getunicode(f"rule.{k}.{i}", default="").strip()
                 for k in ("scope", "name", "mode", "retention_days", "announce")}
            i += 1
            if r["name"]:
                rules.append(r)
        doc: dict[str, Any] = {"default": values["default"], "announce": bool(values["announce"]),
                               "format": values["format"], "channels": values["channels"],
                               "retention_days": values["retention_days"], "quota_mb": values["quota_mb"],
                               "min_free_mb": values["min_free_mb"]}
        for scope, _label in SCOPES:
            doc[scope] = {}
        errors: dict[str, str] = {}
        for n, r in enumerate(rules):
            if r["scope"] not in doc:
                errors[f"rules.{n}"] = _("Choose what the rule is for.")
                continue
            if r["name"] in doc[r["scope"]]:
                errors[f"rules.{n}"] = _("{name} has two rules; keep one.").format(name=r["name"])
                continue
            entry: dict[str, Any] = {"mode": r["mode"]}
            if r["retention_days"]:
                entry["retention_days"] = r["retention_days"]
            if r["announce"] in ("0", "1"):
                entry["announce"] = r["announce"] == "1"
            doc[r["scope"]][r["name"]] = entry
        try:
            if errors:
                raise ConfigError("settings.recording", next(iter(errors.values())))
            with web.acting() as store:
                store.update_settings({"recording": doc})
        except ConfigError as e:
            bottle.response.status = 400
            errs = errors or _errors(e)
            # a scalar setting: settings.recording.format → its field
            errs = {(k[len("recording."):] if k.startswith("recording.") and k.count(".") == 1 else k): v
                    for k, v in errs.items()}
            return page(values, rules, errs)
        return bottle.redirect(f"{path}?saved=1", 303)
