"""Calls: the A/B legs of one call, its state machine and its CDR; call control glue."""
