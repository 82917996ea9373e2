"""Floor 7, the ``nnfit`` command line: a thin shell over the library, one module per group of
subcommands (each defines ``register(subparsers)``).  Nothing imports this floor."""
from .app import main

__all__ = ["main"]
