"""The ``nnfit`` command line: one subcommand per module of ``nnfit.cli``.

``main`` turns the usual ways a command ends badly into one line and an exit status, never a
traceback: a ValueError, TypeError or missing file (status 2), Ctrl-C (status 130, saying which
files, if any, the command had written: the engine's "fit interrupted" warning, with which a
fit stopped by Ctrl-C returns, is raised, so that no command reports a part-fitted model as its
result; Ctrl-C during the imports before ``main`` is ``nnfit._interrupt``'s), a reader that
closed the pipe, as ``| head`` does (status 141, silent).  Warnings are printed as one line
each, each text once per command (a command may name its options in them: ``wording``).
"""
import argparse
import importlib
import os
import re
import sys
import warnings

from .._version import __version__

INTERRUPTED = r"fit interrupted in (epoch|iteration)"  # the engine's warning at Ctrl-C
COMMAND_MODULES = ["mnist", "islr", "table", "cv", "lab", "report"]


def build_parser():
    parser = argparse.ArgumentParser(
        prog="nnfit",
        description="Fit multilayer neural networks by explicit backpropagation (ISLR2 ch. 10).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--version", action="version", version=f"nnfit {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"nnfit.cli.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"nnfit.cli.{name}":
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv=None):
    """Run the ``nnfit`` command with the words ``argv`` (default: the process's arguments).

    ``main(["lab", "--list"])`` does what ``nnfit lab --list`` does in a terminal.  Returns the
    exit status: 0 on success, 2 for bad input (reported in one line on stderr, no traceback),
    130 after Ctrl-C.
    """
    try:  # the command modules import the libraries: seconds that Ctrl-C may interrupt
        args = build_parser().parse_args(argv)
    except KeyboardInterrupt:
        words = sys.argv[1:] if argv is None else list(argv)
        command = next((w for w in words[:1] if not w.startswith("-")), "")
        print(f"{f'nnfit {command}'.strip()}: interrupted (Ctrl-C) while starting; no file "
              "was written", file=sys.stderr)
        return 130
    args.written = []  # commands append each file they finish writing
    name = f"nnfit {args.command}"
    shown = set()
    wording = getattr(args, "wording", str)  # e.g. fit's option names for parameter names

    def once(message, category, *rest):
        text = wording(str(message))
        if text not in shown:
            shown.add(text)
            print(f"{name}: warning: {text}", file=sys.stderr)
    with warnings.catch_warnings():  # the caller's filters and showwarning come back after
        warnings.showwarning = once
        # a fit stopped by Ctrl-C warns that it kept its best weights and returns: raised
        # instead, so that no command goes on to report a part-fitted model as a result
        warnings.filterwarnings("error", message=INTERRUPTED, category=RuntimeWarning)
        try:
            return args.func(args) or 0
        except (ValueError, TypeError, FileNotFoundError) as error:
            print(f"{name}: error: {error}", file=sys.stderr)
            return 2
        except (KeyboardInterrupt, RuntimeWarning) as stop:
            if isinstance(stop, RuntimeWarning) and not re.match(INTERRUPTED, str(stop)):
                raise
            done = (f"files written before it: {', '.join(args.written)}" if args.written
                    else "no file was written")
            print(f"{name}: interrupted (Ctrl-C); {done}", file=sys.stderr)
            return 130
        except BrokenPipeError:
            _quiet_stdout()
            return 141


def _quiet_stdout():
    """The reader of standard output has gone (``| head``): send what is left to /dev/null, so
    that Python's own flush at exit does not fail again (as the Python docs advise)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (e.g. captured in a test)
        pass


if __name__ == "__main__":
    sys.exit(main())
