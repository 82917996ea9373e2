"""Ctrl-C while the ``nnfit`` command is still importing its libraries (NumPy, SciPy, pandas,
scikit-learn: seconds on a busy machine) ends it as Ctrl-C during a command does
(``nnfit.cli.app``): one line on stderr, exit status 130, no traceback from deep inside an import.

``nnfit/__init__`` calls ``quiet_ctrl_c()`` before its first import.  It acts only in the
``nnfit`` command (the console script, or ``python -m nnfit``): it sets ``sys.excepthook`` so
that a KeyboardInterrupt reaching the top of the program, which only one raised before
``nnfit.cli.main`` takes over can do, prints that line and exits with 130.  ``import nnfit`` in a
program, a test or a notebook is left alone.
"""
import os
import sys


def _command():
    """'nnfit fit' (the words typed) when this process is the nnfit command, else None."""
    argv = list(sys.argv)
    script = os.path.basename(argv[0]) if argv else ""
    if script.lower().removesuffix(".exe").removesuffix("-script.py") == "nnfit":
        words = argv[1:]
    else:  # python -m nnfit ...: sys.argv[0] is "-m" until the package is imported
        orig = list(getattr(sys, "orig_argv", []))
        at = orig.index("-m") if "-m" in orig else None
        if at is not None and orig[at + 1:at + 2] == ["nnfit"]:
            words = orig[at + 2:]
        elif "-mnnfit" in orig:
            words = orig[orig.index("-mnnfit") + 1:]
        else:
            return None
    word = words[0] if words and not words[0].startswith("-") else ""
    return f"nnfit {word}".strip()


def quiet_ctrl_c():
    """In the nnfit command, a KeyboardInterrupt that nothing caught: one line, status 130."""
    name = _command()
    if name is None:
        return
    previous = sys.excepthook

    def hook(kind, value, traceback):
        if not issubclass(kind, KeyboardInterrupt):
            return previous(kind, value, traceback)
        try:
            sys.stdout.flush()
        except (OSError, ValueError):
            pass
        sys.stderr.write(f"{name}: interrupted (Ctrl-C) while starting; no file was written\n")
        sys.stderr.flush()
        os._exit(130)  # as app.main returns for Ctrl-C (not Python's death by SIGINT, -2)

    sys.excepthook = hook
