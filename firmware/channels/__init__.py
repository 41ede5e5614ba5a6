"""Call logic per port type: explicit state machines for FXS and FXO channels."""
