"""Seconds per epoch as the work grows: nnfit, scikit-learn, PyTorch and the matrix-product roofline.

    python bench/scaling.py                     # the full grid (several minutes on 2 cores)
    python bench/scaling.py --quick             # a tiny grid, two epochs each: checks that it runs
    python bench/scaling.py --out scaling.png   # the figure (default: nnfit-scaling.png here)
    python bench/scaling.py --threads 1         # every system on one BLAS / torch thread

Four series, each varying one thing from the MNIST dropout network 784-256-128-10 (dropout
0.4/0.3, batch 128, float32; RMSprop for nnfit and PyTorch, adam and no dropout for
scikit-learn, as in ``epoch.py``):

- width: hidden layers (w, w/2) for w = 64 ... 2,048, on 10,000 MNIST images;
- batch: minibatches of 32 ... 1,024, on 10,000 images;
- rows: 1,000 ... 60,000 images;
- tabular: the Hitters shape 19-50-1 (ReLU, squared error, no dropout, batch 32) on 3,200 rows
  of standard normal numbers (100 steps per epoch): per-step overhead, reported as steps/s.

The roofline is the epoch's matrix products alone with nnfit's shapes (``epoch.roofline_epoch``).
Each system runs every point in one child process; s/epoch is the median over the epochs
after the first (warm-up).  With --threads 1 the times are each process's CPU seconds, which
other jobs on a shared machine barely change; otherwise wall-clock seconds.  The table gives each system's seconds and
nnfit / roofline, scikit-learn / nnfit and PyTorch / nnfit; the figure draws seconds per epoch.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import epoch as bench  # noqa: E402  (the machine line, the roofline, the child runner's env)

SYSTEMS = ("nnfit", "sklearn", "torch", "roofline")
TABULAR = {"layers": [19, 50, 1], "batch": 32, "rows": 3200, "dropout": [], "tabular": True}


def grid(quick):
    def mnist(width=256, batch=128, rows=10000):
        return {"layers": [784, width, width // 2, 10], "batch": batch, "rows": rows,
                "dropout": [0.4, 0.3], "tabular": False}
    if quick:
        return {"width": [mnist(64, rows=512)], "batch": [mnist(64, 64, rows=512)],
                "rows": [mnist(64, rows=256)], "tabular": [dict(TABULAR, rows=320)]}
    return {"width": [mnist(w) for w in (64, 256, 1024, 2048)],
            "batch": [mnist(batch=b) for b in (32, 128, 512, 1024)],
            "rows": [mnist(rows=n) for n in (1000, 10000, 60000)],
            "tabular": [TABULAR]}


_MNIST = []


def data(point):
    rows = point["rows"]
    if point["tabular"]:
        rng = np.random.default_rng(0)
        return (rng.standard_normal((rows, 19)).astype(np.float32),
                rng.standard_normal(rows).astype(np.float32))
    if not _MNIST:
        from nnfit.datasets import load_mnist
        _MNIST.extend(load_mnist()[:2])
    X, y = _MNIST
    return X[:rows], y[:rows]


def median_epoch(seconds):
    """Median seconds per epoch after the first (warm-up: numba's cache load, BLAS threads)."""
    return statistics.median(seconds[1:] if len(seconds) >= 2 else seconds)


# --- one system, all points, in a child process -------------------------------------------------
def clock():
    """The process's CPU seconds with one thread (--threads 1: other processes' time on the
    cores then counts for no system), else wall-clock seconds."""
    return time.process_time() if os.environ.get("BENCH_THREADS") == "1" else time.perf_counter()


def run_nnfit(point, epochs):
    import nnfit
    X, y = data(point)
    kind = nnfit.MLPRegressor if point["tabular"] else nnfit.MLPClassifier
    marks = []

    def mark(record):  # called after each epoch
        marks.append(clock())
        return False

    model = kind(point["layers"][1:-1], dropout=point["dropout"] or 0.0, optimizer="rmsprop",
                 learning_rate=bench.LEARNING_RATE, batch_size=point["batch"], epochs=epochs,
                 validation_fraction=0, early_stopping=False, standardize=False, random_state=0,
                 callbacks=[mark])
    marks.append(clock())
    model.fit(X, y)  # (the first epoch also holds fit's input checks: it is left out)
    return [b - a for a, b in zip(marks, marks[1:])]


def run_sklearn(point, epochs):
    import warnings
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    X, y = data(point)
    kind = MLPRegressor if point["tabular"] else MLPClassifier
    model = kind(hidden_layer_sizes=point["layers"][1:-1], solver="adam", alpha=1e-5,
                 batch_size=point["batch"], learning_rate_init=bench.LEARNING_RATE, max_iter=1,
                 shuffle=True, random_state=0, tol=0.0, n_iter_no_change=10**9)
    extra = {} if point["tabular"] else {"classes": np.unique(y)}
    seconds = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(epochs):
            start = clock()
            model.partial_fit(X, y, **extra)
            seconds.append(clock() - start)
    return seconds


def run_torch(point, epochs):
    import torch
    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1)))
    torch.manual_seed(0)
    X, y = data(point)
    X, y = torch.from_numpy(X), torch.from_numpy(y)
    nn, layers, dropout = torch.nn, point["layers"], point["dropout"]
    modules = []
    for i, (a, b) in enumerate(zip(layers[:-2], layers[1:-1])):
        modules += [nn.Linear(a, b), nn.ReLU()] + ([nn.Dropout(dropout[i])] if dropout else [])
    model = nn.Sequential(*modules, nn.Linear(layers[-2], layers[-1]))
    optimizer = torch.optim.RMSprop(model.parameters(), lr=bench.LEARNING_RATE, alpha=0.9, eps=1e-7)
    if point["tabular"]:
        loss_fn, y = nn.MSELoss(), y[:, None]
    else:
        loss_fn = nn.CrossEntropyLoss()
    seconds, batch = [], point["batch"]
    for _ in range(epochs):
        start = clock()
        order = torch.randperm(X.shape[0])
        for i in range(0, X.shape[0], batch):
            idx = order[i:i + batch]
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model(X[idx]), y[idx]).backward()
            optimizer.step()
        seconds.append(clock() - start)
    return seconds


def run_roofline(point, epochs):
    epoch = bench.roofline_epoch(point["rows"], np.random.default_rng(0), point["layers"],
                                 point["batch"])
    seconds = []
    for _ in range(epochs):
        start = clock()
        epoch()
        seconds.append(clock() - start)
    return seconds


RUNNERS = {"nnfit": run_nnfit, "sklearn": run_sklearn, "torch": run_torch, "roofline": run_roofline}


def child(system, points, epochs, threads):
    env = dict(os.environ)
    if threads:
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BENCH_THREADS"):
            env[name] = str(threads)
    if system == "torch":
        import importlib.util
        if importlib.util.find_spec("torch") is None:
            return None
    out = subprocess.run([sys.executable, __file__, "--child", system, "--epochs", str(epochs)],
                         input=json.dumps(points), capture_output=True, text=True, env=env)
    if out.returncode != 0:
        print(f"{system} failed: {out.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the parent: table and figure ----------------------------------------------------------------
def label(series, point):
    layers = "-".join(map(str, point["layers"]))
    return {"width": layers, "batch": f"batch {point['batch']}", "rows": f"{point['rows']:,} rows",
            "tabular": f"{layers} batch {point['batch']}"}[series]


def table(series_points, seconds):
    """Lines of the table: s/epoch per system, the ratios, steps/s for the tabular network."""
    head = (f"{'series':<8}{'point':<22}" + "".join(f"{s:>10}" for s in SYSTEMS)
            + f"{'nnfit/roof':>12}{'skl/nnfit':>11}{'torch/nnfit':>12}")
    lines = ["seconds per epoch (median after the first), and ratios", head]
    steps = []
    for k, (series, point) in enumerate(series_points):
        t = {s: seconds[s][k] if seconds.get(s) else None for s in SYSTEMS}
        cell = "".join(f"{t[s]:>10.4f}" if t[s] is not None else f"{'-':>10}" for s in SYSTEMS)
        ratio = lambda a, b: f"{t[a] / t[b]:.2f}" if t[a] and t[b] else "-"  # noqa: E731
        lines.append(f"{series:<8}{label(series, point):<22}{cell}{ratio('nnfit', 'roofline'):>12}"
                     f"{ratio('sklearn', 'nnfit'):>11}{ratio('torch', 'nnfit'):>12}")
        if point["tabular"]:
            n_steps = -(-point["rows"] // point["batch"])
            steps.append("steps/s, " + label(series, point) + ": " + ", ".join(
                f"{s} {n_steps / t[s]:,.0f}" for s in SYSTEMS if t[s]))
    return lines + steps


def figure(series_points, seconds, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from nnfit._files import atomic_write
    names = ["width", "batch", "rows", "tabular"]
    fig, axes = plt.subplots(1, 4, figsize=(16, 4))
    for ax, name in zip(axes, names):
        ks = [k for k, (series, _) in enumerate(series_points) if series == name]
        points = [series_points[k][1] for k in ks]
        if name == "tabular":
            n_steps = [-(-p["rows"] // p["batch"]) for p in points]
            systems = [s for s in SYSTEMS if seconds.get(s)]
            ax.bar(systems, [n_steps[0] / seconds[s][ks[0]] for s in systems])
            ax.set_ylabel("steps per second")
            ax.set_title("19-50-1, batch 32 (more is better)")
            continue
        x = {"width": [p["layers"][1] for p in points], "batch": [p["batch"] for p in points],
             "rows": [p["rows"] for p in points]}[name]
        for s in SYSTEMS:
            if seconds.get(s):
                ax.plot(x, [seconds[s][k] for k in ks], marker="o", label=s)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel({"width": "first hidden width w (network 784-w-w/2-10)",
                       "batch": "minibatch size", "rows": "training rows"}[name])
        ax.set_ylabel("seconds per epoch")
        ax.set_title({"width": f"width (784-w-w/2-10, {points[0]['rows']:,} rows)",
                      "batch": f"minibatch ({label('width', points[0])}, {points[0]['rows']:,} rows)",
                      "rows": f"rows ({label('width', points[0])})"}[name])
        ax.legend()
    fig.tight_layout()
    with atomic_write(path, "wb") as file:
        fig.savefig(file, format="png", dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny grid, two epochs each")
    parser.add_argument("--epochs", type=int, help="epochs per point (default 3; 2 with --quick)")
    parser.add_argument("--threads", type=int, help="threads for BLAS and torch in every system")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="subset of " + ",".join(SYSTEMS))
    parser.add_argument("--out", default="nnfit-scaling.png", help="the figure (PNG)")
    parser.add_argument("--no-figure", action="store_true", help="print the table only")
    parser.add_argument("--child", choices=SYSTEMS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    epochs = args.epochs or (2 if args.quick else 3)
    if args.child:
        points = json.loads(sys.stdin.read())
        print(json.dumps([RUNNERS[args.child](p, epochs) for p in points]))
        return
    out = None
    if not args.no_figure:
        from nnfit._files import check_output_path
        out = check_output_path(args.out, kind="PNG image", suffixes=(".png",))
    print("\n".join(bench.machine()))
    print("times: " + ("CPU seconds of each system's process (--threads 1)" if args.threads == 1
                       else "wall-clock seconds (on a shared machine use --threads 1)"))
    series_points = [(name, p) for name, points in grid(args.quick).items() for p in points]
    points = [p for _, p in series_points]
    seconds = {}
    for system in [s for s in args.systems.split(",") if s]:
        print(f"running {system} ...", file=sys.stderr, flush=True)
        runs = child(system, points, epochs, args.threads)
        seconds[system] = None if runs is None else [median_epoch(r) for r in runs]
    print("\n".join(table(series_points, seconds)))
    if out is not None:
        figure(series_points, seconds, out)
        print(f"figure: {out}")


if __name__ == "__main__":
    main()
