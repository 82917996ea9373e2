"""``nnfit hitters`` and ``nnfit khan``: the ISLR2 chapter 10 labs as tables.

The protocols themselves, and how their hyperparameters were chosen, are in ``nnfit.islr_lab``.
"""
import argparse
import json

from .options import add_options, positive_int
from .._files import atomic_write, check_output_path
from ..course import parallel as _parallel
from ..course import islr_lab

QUICK_EPOCHS = 20


def register(subparsers):
    hitters = subparsers.add_parser(
        "hitters", formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        help="single-layer network vs linear regression and the lasso on Hitters salaries",
        description="The ISLP lab on Hitters: 1/3 of the 263 players held out (random_state=1), "
                    "predictors standardized on the training part; test mean absolute error of "
                    "least squares, the lasso (10-fold CV) and a 50-unit ReLU network with "
                    "dropout 0.4, the network fitted from several random initializations.")
    hitters.add_argument("--seeds", type=positive_int, default=10,
                         help="number of random initializations of the network (seeds 0..N-1)")
    _common(hitters, islr_lab.HITTERS_NETWORK["epochs"])
    hitters.set_defaults(func=run_hitters)

    khan = subparsers.add_parser(
        "khan", formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        help="lasso-penalized network vs multinomial logistic regression on Khan genes",
        description="Khan gene expression (2,308 genes, 63 training and 20 test samples): "
                    "multinomial logistic regression against a network with a lasso penalty on "
                    "its weights, genes standardized on the training part; test errors of 20.")
    khan.add_argument("--seed", type=int, default=0, help="random initialization of both models")
    _common(khan, islr_lab.KHAN_NETWORK["epochs"])
    khan.set_defaults(func=run_khan)


def _common(parser, epochs):
    parser.add_argument("--epochs", type=positive_int, default=epochs,
                        help="training epochs of each network fit")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    parser.add_argument("--quick", action="store_true",
                        help=f"small budget for tests: {QUICK_EPOCHS} epochs (and 2 seeds for "
                             "hitters); the numbers are then not the lab's")
    add_options(parser)


def _fit_in_parallel(args, run, **kwargs):
    """``run(**kwargs)`` with the fits spread as --jobs / --threads / --scheduler say (on a
    cluster only the network fits go there; the baselines run here)."""
    n_jobs, threads = _parallel.plan(args.jobs, args.threads, args.scheduler)
    with _parallel.cluster(args.scheduler, args.worker_timeout):
        results = run(**kwargs, n_jobs=n_jobs, threads=threads)
    results["parallel"] = _parallel.describe(n_jobs, threads, args.scheduler)
    return results


def _check_json(args):
    if args.json:  # refused before the fits, not after
        check_output_path(args.json, kind="JSON file", suffixes=(".json",), option="--json")


def run_hitters(args):
    _check_json(args)
    seeds, epochs = (min(args.seeds, 2), QUICK_EPOCHS) if args.quick else (args.seeds, args.epochs)
    r = _fit_in_parallel(args, islr_lab.run_hitters, seeds=seeds, epochs=epochs)
    lab = r["islp_lab"]
    print(f"Hitters: {r['n_train']} training and {r['n_test']} test players; "
          "test mean absolute error, thousands of dollars")
    print(f"{'model':<34}{'test MAE':>10}{'ISLP lab':>10}")
    print(f"{'linear regression':<34}{r['linear']:>10.1f}{lab['linear']:>10.1f}")
    print(f"{'lasso (10-fold CV)':<34}{r['lasso']:>10.1f}{lab['lasso']:>10.1f}")
    print(f"{'network, seed 0':<34}{r['network_seed0']:>10.1f}{lab['network']:>10.1f}")
    print(f"{f'network, {seeds} seeds: mean':<34}{r['network_mean']:>10.1f}")
    print(f"{'  sd / min / max':<34}{r['network_sd']:>10.1f}  "
          f"{r['network_min']:.1f} / {r['network_max']:.1f}")
    verdict = "beats" if r["network_mean_beats_lasso"] else "does not beat"
    print(f"The network's mean over {seeds} seeds {verdict} the lasso on this split "
          f"({r['seconds']:.1f} s).")
    _write_json(args.json, r)


def run_khan(args):
    _check_json(args)
    epochs = QUICK_EPOCHS if args.quick else args.epochs
    r = _fit_in_parallel(args, islr_lab.run_khan, epochs=epochs, seed=args.seed)
    lasso = r["network_params"]["lasso"]
    hidden = r["network_params"]["hidden_layer_sizes"]
    print(f"Khan: {r['n_genes']} genes, {r['n_train']} training and {r['n_test']} test samples")
    print(f"{'model':<44}{'train errors':>14}{'test errors':>13}")
    print(f"{'multinomial logistic regression':<44}{r['logistic_train_errors']:>14}"
          f"{r['logistic_test_errors']:>13}")
    name = f"network {hidden}, lasso {lasso:g}"
    print(f"{name:<44}{r['network_train_errors']:>14}{r['network_test_errors']:>13}")
    print(f"({r['seconds']:.1f} s)")
    _write_json(args.json, r)


def _write_json(path, results):
    if path:
        with atomic_write(path, "w") as file:
            json.dump(results, file, indent=2)
        print(f"results written to {path}")
