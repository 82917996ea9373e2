"""argparse types and option groups shared by several ``nnfit`` subcommands; ``--threads``
of the table commands (``add_threads_option``, ``with_threads``: ``backends.threads``)."""
import argparse
import functools

from ..backends.threads import parse_threads, threads_for
from ..course.parallel import WORKER_TIMEOUT


def positive_int(text):
    """argparse type: a whole number >= 1 (0 epochs would silently fall back to a default)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is invalid: give a whole number >= 1")
    return value


THREADS_HELP = ("BLAS threads of each fit; jobs x threads may not exceed the cores (None: the "
                "cores this process may use when the fits run one at a time, cores // jobs with "
                "--jobs, 1 on a --scheduler cluster); 1 is faster when other programs keep the "
                "cores busy, since OpenBLAS's threads then wait on each other")
TABLE_THREADS_HELP = ("threads of the matrix products of fits and predictions: a number (BLAS's "
                      "threads), 'auto' (as many as the cores this process may use: affinity, "
                      "cgroup quota) or 'adaptive' (the products cut in blocks that the fit's "
                      "threads share, fewer threads while other programs keep the cores busy: "
                      "far faster on a busy machine, slower on a quiet one, and a fit with the "
                      "same bits whatever the load) (None: the environment variable "
                      "NNFIT_THREADS, else auto)")


def thread_setting(text):
    """argparse type of a table command's --threads: a whole number >= 1, auto or adaptive."""
    try:
        return parse_threads(text, "--threads")
    except (TypeError, ValueError) as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_threads_option(parser):
    """--threads of a table command (``with_threads`` applies it around the command)."""
    parser.add_argument("--threads", type=thread_setting, default=None, metavar="T",
                        help=TABLE_THREADS_HELP)


def with_threads(run):
    """``run(args)`` under ``set_threads(args.threads)`` (nothing changed when it is None)."""
    @functools.wraps(run)
    def run_with_threads(args):
        with threads_for(getattr(args, "threads", None)):
            return run(args)
    return run_with_threads


def add_options(parser, threads=True):
    """Add --jobs and --scheduler (and --threads unless the command has its own) to ``parser``."""
    parser.add_argument("--jobs", type=jobs_count, default=None, metavar="N",
                        help="worker processes on this machine for the independent fits, side "
                             "by side (-1: one per core; None: 1, one fit after the other)")
    if threads:
        parser.add_argument("--threads", type=positive_int, default=None, metavar="T",
                            help=THREADS_HELP)
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="run the fits on the Dask cluster whose scheduler is at ADDRESS "
                             "(e.g. tcp://10.0.0.5:8786), on all its worker threads; needs "
                             "pip install 'nnfit[dask]' here and nnfit on the workers (None: no "
                             "cluster); a lost worker's fits are re-run on the others")
    parser.add_argument("--worker-timeout", type=positive_seconds, default=None,
                        metavar="SECONDS",
                        help="with --scheduler: how long to wait when the cluster has no worker "
                             "(none started yet, or every one lost during the run) before "
                             f"stopping with an error (None: {WORKER_TIMEOUT:g} s)")


def positive_seconds(text):
    """argparse type for --worker-timeout: a number of seconds > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} is invalid: give a number of seconds > 0")
    return value


def jobs_count(text):
    """argparse type for --jobs: a whole number >= 1, or -1 for one worker per core."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1 and value != -1:
        raise argparse.ArgumentTypeError(f"{value} is invalid: give a number of workers >= 1, "
                                         "or -1 for one per core")
    return value
