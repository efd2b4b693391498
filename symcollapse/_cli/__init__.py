"""Subcommands of the ``symcollapse`` command line (one private module each)."""
