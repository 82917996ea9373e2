"""The options of ``nnfit evaluate`` and ``nnfit cv`` for the scores' intervals, a survival
model's horizons and the JSON report, and the writing of that report (atomically, standard
JSON: NaN as null)."""
import argparse
import json

from .._files import atomic_write
from .table_options import seed as seed_type
from ..tabular.survival_scores import DEFAULT_BOOTSTRAP as SURVIVAL_BOOTSTRAP
from .table_predict import times_list
from .table_report import json_ready

DEFAULT_BOOTSTRAP = 1000  # the library's n_bootstrap (survival: SURVIVAL_BOOTSTRAP)


def add_score_options(parser, seed=True):
    """--bootstrap, --seed (unless the command has its own), --at, --json (alias --out),
    --force."""
    parser.add_argument("--bootstrap", type=resamples, default=None, metavar="N",
                        help="bootstrap resamples of the rows for the 95%% intervals; 0: "
                             f"point estimates only (default: the library's, {DEFAULT_BOOTSTRAP};"
                             f" {SURVIVAL_BOOTSTRAP} for survival, whose scores scikit-survival "
                             "recomputes in each resample)%(default).0s")
    if seed:
        parser.add_argument("--seed", type=seed_type, default=0,
                            help="random seed of the bootstrap resamples: the same seed gives "
                                 "the same intervals")
    parser.add_argument("--at", type=times_list, metavar="TIMES",
                        help="survival: the horizons of the time-dependent AUC and Brier scores, "
                             "comma-separated (the middle one is the calibration horizon); "
                             "default: the 25th, 50th and 75th percentiles of the event "
                             "times%(default).0s")
    parser.add_argument("--json", "--out", dest="json", metavar="FILE",
                        help="also write the report as JSON to this file")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing output file (--json; nnfit cv's --report "
                             "page and its files); without it an existing file is refused")


def bootstrap_options(args, task):
    """{n_bootstrap, random_state} of the options: --bootstrap or the library's default for the
    task."""
    default = SURVIVAL_BOOTSTRAP if task == "survival" else DEFAULT_BOOTSTRAP
    return {"n_bootstrap": default if args.bootstrap is None else args.bootstrap,
            "random_state": args.seed}


def resamples(text):
    """argparse type of --bootstrap: a whole number >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is invalid: give a number of resamples >= 0 "
                                         "(0: no intervals)")
    return value


def write_json(path, report):
    """Write ``report`` to ``path`` through a temporary file renamed into place."""
    with atomic_write(path, "w", encoding="utf-8") as file:
        json.dump(json_ready(report), file, indent=2, allow_nan=False)
        file.write("\n")
