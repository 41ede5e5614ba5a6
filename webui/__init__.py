"""The web UI (bottle): a client of the management API and the config store."""
