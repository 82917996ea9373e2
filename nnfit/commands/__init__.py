"""Subcommands of the ``nnfit`` command line; each module defines ``register(subparsers)``,
which adds its parser and sets ``func`` to the function that runs it."""
