"""The call-control daemon and the `hotline` command."""
