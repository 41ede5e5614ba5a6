"""Chip drivers (SPI registers), PCM/TDM audio via ALSA, C-library bindings via cffi."""
