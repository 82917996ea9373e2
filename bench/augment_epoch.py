"""Where an epoch of ``nnfit mnist --rows augment`` spends its time: the distortions, the
network's steps, their matrix products alone, and the per-epoch validation pass.

    python bench/augment_epoch.py              # 2 epochs of each part (about a minute)
    python bench/augment_epoch.py --epochs 3
    python bench/augment_epoch.py --quick      # 6,000 images, a smaller network: checks it runs

The row fits the 784-800-800-10 network (dropout 0.3, RMSprop, minibatch 128) on the 48,000
training images left after the validation split, distorting every minibatch afresh
(``nnfit.augment.augment_images`` with the row's settings).  Timed one after the other in this
process, median seconds per epoch:

- ``distortions``: ``augment_images`` on the epoch's 375 minibatches alone;
- ``steps``: the row's network trained without augmentation (``history_["seconds"]``: the
  steps and the validation pass at the end of each epoch);
- ``validation``: the forward pass over the 12,000 validation images that ends each epoch;
- ``roofline``: the steps' matrix products alone on NumPy's BLAS (``bench/epoch.py``'s);
- ``row``: the row's own epoch, distortions included.

``distortions + steps`` against ``row`` says whether the parts add up; ``steps - validation``
against ``roofline`` says how close the network's part is to the matrix-product limit.
"""
import argparse
import functools
import os
import statistics
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from epoch import roofline_epoch  # noqa: E402  (bench/ is a folder of scripts, not a package)


def median_seconds(f, epochs):
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--quick", action="store_true",
                        help="6,000 images and a 784-64-64-10 network (tests/test_bench.py)")
    args = parser.parse_args(argv)

    from nnfit.augment import augment_images
    from nnfit.datasets import load_mnist
    from nnfit.mnist_table import AUGMENT, network

    X, y = load_mnist()[:2]
    if args.quick:
        X, y = X[:6000], y[:6000]
    n_fit = int(X.shape[0] * 0.8)
    rng = np.random.default_rng(0)
    distort = functools.partial(augment_images, **AUGMENT)
    batch = np.array(X[:128])

    def distortions():
        for _ in range(0, n_fit, 128):
            distort(batch, rng)

    distortions()  # warm-up: numba's compile or cache load
    parts = {"distortions": median_seconds(distortions, args.epochs)}

    def fitted(augment):
        model = network("augment", epochs=args.epochs + 1, seed=0)
        if args.quick:
            model.set_params(hidden_layer_sizes=(64, 64))
        if not augment:
            model.set_params(augment=None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X, y)
        return model, statistics.median(model.history_["seconds"][1:])

    model, parts["steps"] = fitted(augment=False)
    X_val = np.array(X[n_fit:])
    model.predict(X_val)
    parts["validation"] = median_seconds(lambda: model.predict_proba(X_val), args.epochs)
    hidden = model.hidden_layer_sizes
    roofline = roofline_epoch(n_fit, rng, layers=(784, *hidden, 10))
    roofline()
    parts["roofline"] = median_seconds(roofline, args.epochs)
    _, parts["row"] = fitted(augment=True)

    row = parts["row"]
    print(f"augmentation row (784-{'-'.join(map(str, hidden))}-10, {n_fit:,} images an epoch, "
          f"{os.cpu_count()} cores): median seconds per epoch")
    for name, seconds in parts.items():
        print(f"  {name:<12} {seconds:7.3f}   {100 * seconds / row:5.1f} % of the row's epoch")
    network_part = parts["steps"] - parts["validation"]
    both = parts["distortions"] + parts["steps"]
    print(f"distortions + steps = {both:.3f} s (row: {row:.3f} s); "
          f"network steps / roofline = {network_part / parts['roofline']:.2f}")
    return parts


if __name__ == "__main__":
    main()
