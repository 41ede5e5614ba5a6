"""The configuration store: one SQLite database per box (see store.ConfigStore).

    from firmware.config import ConfigStore, ConfigError
    with ConfigStore(DataDir.at(d).config_db) as store:
        cfg = store.snapshot()             # frozen firmware.config.model.Config
        store.add_extension(number="805", port="fxs5")   # ConfigError names the field
"""
from firmware.config.errors import ConfigError
from firmware.config.model import (Config, Extension, InboundRoute, Line, OutboundRoute, RingGroup,
                                   SipTrunk, TrunkGroup, builtin_emergency_numbers, class_allows,
                                   sip_codecs)
from firmware.config.store import ConfigStore

__all__ = ["ConfigStore", "ConfigError", "Config", "Extension", "Line", "TrunkGroup", "RingGroup",
           "InboundRoute", "OutboundRoute", "SipTrunk", "builtin_emergency_numbers", "class_allows",
           "sip_codecs"]
