"""The one error type of the config store."""
from __future__ import annotations


class ConfigError(ValueError):
    """A configuration value or change that is refused.

    ``field`` names what is wrong as ``table.column`` (``"extensions.number"``,
    ``"settings.country"``); ``message`` says why in plain words.  ``str(err)`` is
    ``"<field>: <message>"`` -- ready to show to a user or installer.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
