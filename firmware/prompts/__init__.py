"""Voice prompts: the catalogue of system prompts (zh/en), the build that generates the
built-in WAVs with espeak-ng, and the library that finds, reads out and plays them.

    catalogue   every system prompt: name -> text in Mandarin and English
    readout     numbers, digit strings, times and durations as prompt-name sequences
    library     PromptLibrary (installer recording first, then built-in), PromptMissing,
                SequencePlayer
    build       `python -m firmware.prompts.build`: espeak-ng -> 8 kHz WAV, incremental
    cli         `hotline prompts build|list|play-test`
"""
from firmware.prompts.library import PromptLibrary, PromptMissing, SequencePlayer

__all__ = ["PromptLibrary", "PromptMissing", "SequencePlayer"]
