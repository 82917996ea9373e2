"""Seconds per epoch of the Cox partial likelihood and the Poisson deviance against squared error.

The same network (``--hidden``, default 32 units) on the same 8,000 rows of 20 standard-normal
inputs, fitted for ``--epochs`` epochs by each loss: full batch (``optimizer="gd"``, one
forward and backward pass over all rows an epoch: the exact partial likelihood) and minibatches
(``adam``, ``--batch-size`` rows: each batch's own risk sets).  The figure is the median of the
epochs' ``history_["seconds"]`` after the first; the ratio is against squared error's epoch
(issue 24 asks that a full-batch Cox epoch cost at most 2x).  Run::

    python bench/cox_epoch.py [--rows 8000] [--hidden 32] [--epochs 30] [--dtype float32]
"""
import argparse
import warnings

import numpy as np

import nnfit


def epoch_seconds(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    return float(np.median(model.history_["seconds"][1:]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=8000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--hidden", type=int, nargs="*", default=[32])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(args.rows, args.features))
    eta = X[:, 0] - 0.5 * X[:, 1] ** 2
    time = rng.exponential(np.exp(-eta))
    censor = rng.exponential(2.0, args.rows)
    from sksurv.util import Surv
    targets = {"squared error": (nnfit.MLPRegressor, time),
               "Cox (Efron)": (nnfit.MLPSurvival, Surv.from_arrays(time <= censor, np.minimum(time, censor))),
               "Poisson": (nnfit.MLPRegressor, rng.poisson(np.exp(eta / 2)).astype(float))}
    print(f"{args.rows} rows x {args.features} inputs, hidden {tuple(args.hidden)}, {args.dtype}, "
          f"device {args.device}: seconds per epoch (median of epochs 2..{args.epochs})")
    print(f"{'loss':<16}{'full batch':>12}{'ratio':>8}{'batch ' + str(args.batch_size):>12}{'ratio':>8}")
    base = {}
    for name, (kind, y) in targets.items():
        row = []
        for label, optimizer in (("full", "gd"), ("mini", "adam")):
            kwargs = dict(hidden_layer_sizes=tuple(args.hidden), optimizer=optimizer,
                          batch_size=args.batch_size, epochs=args.epochs, early_stopping=False,
                          validation_fraction=0.0, dtype=args.dtype, device=args.device,
                          learning_rate=1e-4, random_state=0)
            if name == "Poisson":
                kwargs["loss"] = "poisson"
            seconds = epoch_seconds(kind(**kwargs), X, y)
            base.setdefault(label, seconds)
            row += [seconds, seconds / base[label]]
        print(f"{name:<16}{row[0]:>12.5f}{row[1]:>8.2f}{row[2]:>12.5f}{row[3]:>8.2f}")


if __name__ == "__main__":
    main()
