"""Hardware abstraction: port/span/clock interfaces and their backends (sim, board)."""
