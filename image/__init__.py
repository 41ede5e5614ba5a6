"""Firmware image: signed update bundles, A/B slots, rollback."""
