"""Subcommands of the ``nnfit`` command line; each module defines ``register(subparsers)``,
which adds its parser and sets ``func`` to the function that runs it."""
import argparse


def positive_int(text):
    """argparse type: a whole number >= 1 (0 epochs would silently fall back to a default)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is invalid: give a whole number >= 1")
    return value
