"""Seconds per MNIST epoch, side by side: nnfit, scikit-learn, PyTorch eager, and the roofline.

    python bench/epoch.py                 # training: median seconds per epoch, ratios, peak RSS
    python bench/epoch.py --epochs 5      # more epochs (the median drops the first, warm-up one)
    python bench/epoch.py --predict       # prediction throughput on the 10,000 test images
    python bench/epoch.py --threads 1     # every system on one thread (a machine shared with
                                          # other jobs: OpenBLAS's threads then wait on each other)

The network is 784-256-128-10, ReLU, dropout 0.4/0.3 (nnfit and PyTorch), RMSprop at 0.001
(scikit-learn: adam, which it has, and no dropout, which it has not), batch 128, float32, no
validation split.  (PyTorch's RMSprop adds eps after the square root, nnfit's under it, as
Keras does: the same work per step.)  Each system runs in its own child process, one after the other, so that
its peak resident memory is its own and no thread pool of one library fights another's.

The roofline is the time of the epoch's matrix products alone, with the shapes nnfit needs
(forward X W for the 3 layers, dW = A^T dZ for the 3 layers, dX = dZ W^T for layers 2 and 3:
the first layer needs no input gradient), on NumPy's BLAS: no implementation on this BLAS can
do an epoch faster.  See bench/README.md for the columns.
"""
import argparse
import importlib.util
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

LAYERS = (784, 256, 128, 10)
HIDDEN = LAYERS[1:-1]
DROPOUT = (0.4, 0.3)
BATCH = 128
LEARNING_RATE = 0.001
SYSTEMS = ("nnfit", "nnfit-numpy", "sklearn", "torch", "roofline")


def peak_rss_mb():
    """Peak resident set size of this process so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load(split):
    """MNIST's "train" or "test" images and labels alone.  Each system fits with the training
    images in memory and reads the test images after the fit, the training images freed: its
    peak RSS is then that of the fit (a script holding both sets needs 30 MB more)."""
    from nnfit.datasets import _mnist
    directory, _ = _mnist._choose_dir(None)
    stems = _mnist.FILE_STEMS[:2] if split == "train" else _mnist.FILE_STEMS[2:]
    return _mnist._load_split(*(_mnist._find_file(directory, stem) for stem in stems))


# --- one system per child process ---------------------------------------------------------------
def run_nnfit(epochs, predict):
    import nnfit
    X, y = load("train")
    rss_data = peak_rss_mb()
    model = nnfit.MLPClassifier(HIDDEN, dropout=DROPOUT, optimizer="rmsprop",
                                learning_rate=LEARNING_RATE, batch_size=BATCH, epochs=epochs,
                                validation_fraction=0, early_stopping=False, standardize=False,
                                random_state=0)
    model.fit(X, y)
    result = {"seconds": model.history_["seconds"], "peak_rss_mb": peak_rss_mb(),
              "rss_after_load_mb": rss_data, "data_mb": X.nbytes / 2**20}
    del X, y
    X_test, y_test = load("test")
    result["test_error"] = float(np.mean(model.predict(X_test) != y_test))
    if predict:
        result["predict_seconds"] = timed_repeats(lambda: model.predict(X_test))
    return result


def run_sklearn(epochs, predict):
    import warnings
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    X, y = load("train")
    model = MLPClassifier(HIDDEN, solver="adam", alpha=1e-5, batch_size=BATCH,
                          learning_rate_init=LEARNING_RATE, max_iter=1, shuffle=True,
                          random_state=0, tol=0.0, n_iter_no_change=10**9)
    classes = np.unique(y)
    seconds = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(epochs):  # partial_fit: one pass over the shuffled data per call
            start = time.perf_counter()
            model.partial_fit(X, y, classes=classes)
            seconds.append(time.perf_counter() - start)
    result = {"seconds": seconds, "peak_rss_mb": peak_rss_mb()}
    del X, y
    X_test, y_test = load("test")
    result["test_error"] = float(np.mean(model.predict(X_test) != y_test))
    if predict:
        result["predict_seconds"] = timed_repeats(lambda: model.predict(X_test))
    return result


def run_torch(epochs, predict):
    try:
        import torch
    except ImportError:
        return {"skipped": "torch is not installed (pip install 'nnfit[bench]')"}
    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1)))
    torch.manual_seed(0)
    X, y = load("train")
    X, y = torch.from_numpy(X), torch.from_numpy(y)
    nn = torch.nn
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Dropout(DROPOUT[0]),
                          nn.Linear(256, 128), nn.ReLU(), nn.Dropout(DROPOUT[1]),
                          nn.Linear(128, 10))
    optimizer = torch.optim.RMSprop(model.parameters(), lr=LEARNING_RATE, alpha=0.9, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(X.shape[0])
        for i in range(0, X.shape[0], BATCH):
            idx = order[i:i + BATCH]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(X[idx]), y[idx])
            loss.backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start)
    model.eval()
    peak = peak_rss_mb()
    del X, y
    X_test, y_test = load("test")
    X_test_t = torch.from_numpy(X_test)

    def predict_all():
        with torch.no_grad():
            return model(X_test_t).argmax(1).numpy()

    result = {"seconds": seconds, "peak_rss_mb": peak,
              "test_error": float(np.mean(predict_all() != y_test)), "version": torch.__version__}
    if predict:
        result["predict_seconds"] = timed_repeats(predict_all)
    return result


def roofline_epoch(n, rng, layers=LAYERS, batch=BATCH, matmul=np.matmul):
    """A closure timing one epoch's matrix products: the shapes and transposes of nnfit
    (``matmul``: NumPy's, or ``nnfit.backends.blocked.matmul``, the blocks of a fit)."""
    W = [rng.standard_normal((a, b)).astype(np.float32) for a, b in zip(layers, layers[1:])]
    dW = [np.empty_like(w) for w in W]
    sizes = [batch] * (n // batch) + ([n % batch] if n % batch else [])
    A = {m: [rng.random((m, w), dtype=np.float32) for w in layers] for m in set(sizes)}
    Z = {m: [np.empty((m, w), dtype=np.float32) for w in layers[1:]] for m in set(sizes)}
    dX = {m: [np.empty((m, w), dtype=np.float32) for w in layers[:-1]] for m in set(sizes)}
    depth = len(W)

    def epoch():
        for m in sizes:
            a, z, dx = A[m], Z[m], dX[m]
            for l in range(depth):                  # forward: Z_l = A_{l-1} W_l
                matmul(a[l], W[l], out=z[l])
            for l in reversed(range(depth)):        # backward: dW_l = A^T dZ, dX = dZ W^T
                matmul(a[l].T, z[l], out=dW[l])
                if l > 0:
                    matmul(z[l], W[l].T, out=dx[l])
    return epoch


def run_roofline(epochs, predict):
    rng = np.random.default_rng(0)
    epoch = roofline_epoch(60000, rng)
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        epoch()
        seconds.append(time.perf_counter() - start)
    result = {"seconds": seconds}
    if predict:  # the forward products on the 10,000 test images, in nnfit's chunks of 8192
        W = [rng.standard_normal((a, b)).astype(np.float32) for a, b in zip(LAYERS, LAYERS[1:])]
        X_test = rng.random((10000, 784), dtype=np.float32)

        def forward():
            for i in range(0, 10000, 8192):
                a = X_test[i:i + 8192]
                for w in W:
                    a = a @ w
        result["predict_seconds"] = timed_repeats(forward)
    return result


def run_paired(epochs, predict):
    """nnfit's epochs and the roofline's, alternating in one process: each pair shares the
    machine's load, so their ratio is steadier than that of two children run one after the
    other.  Times are this thread's CPU seconds when one BLAS thread runs (other processes'
    time on the cores then counts for neither), else wall-clock seconds.  nnfit's epoch is
    its training loop (``run_epochs``, what ``history_["seconds"]`` times in a fit)."""
    import nnfit
    from nnfit.engine.training import run_epochs
    X, y = load("train")
    clock = time.thread_time if os.environ.get("BENCH_THREADS") == "1" else time.perf_counter
    model = nnfit.MLPClassifier(HIDDEN, dropout=DROPOUT, optimizer="rmsprop",
                                learning_rate=LEARNING_RATE, batch_size=BATCH, epochs=1,
                                validation_fraction=0, early_stopping=False, standardize=False,
                                random_state=0).fit(X, y)  # also the warm-up
    Y = model._encode_targets(y, "float32", reset=False)
    roofline = roofline_epoch(X.shape[0], np.random.default_rng(0))
    roofline()
    pairs = []
    for _ in range(epochs):
        start = clock()
        run_epochs(model._objective, model._optimizer, X, Y, model._rng, batch_size=BATCH,
                   epochs=1, early_stopping=False, history={})
        middle = clock()
        roofline()
        pairs.append((middle - start, clock() - middle))
    return {"pairs": pairs, "clock": "thread CPU" if clock is time.thread_time else "wall"}


def timed_repeats(f, repeats=7):
    """Seconds of ``repeats`` calls after a warm-up: the thread's CPU seconds with one thread
    (--threads 1: steady on a shared machine), else wall-clock seconds."""
    clock = time.thread_time if os.environ.get("BENCH_THREADS") == "1" else time.perf_counter
    f()  # warm-up
    times = []
    for _ in range(repeats):
        start = clock()
        f()
        times.append(clock() - start)
    return times


RUNNERS = {"nnfit": run_nnfit, "nnfit-numpy": run_nnfit, "sklearn": run_sklearn,
           "torch": run_torch, "roofline": run_roofline, "paired": run_paired}


# --- the parent: machine line, children, table -------------------------------------------------
def machine():
    from threadpoolctl import threadpool_info
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor()) \
        if os.path.exists("/proc/cpuinfo") else platform.processor()
    flags = open("/proc/cpuinfo").read() if os.path.exists("/proc/cpuinfo") else ""
    blas = [f"{i['internal_api']} {i.get('version')} {i.get('architecture')} kernel, "
            f"{i['num_threads']} threads" for i in threadpool_info() if i["user_api"] == "blas"]
    env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                      "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
           if k in os.environ}
    numba = importlib.util.find_spec("numba") is not None
    load = ", load average %.2f %.2f %.2f (other processes)" % os.getloadavg() \
        if hasattr(os, "getloadavg") else ""
    return [f"machine: {cpu}, {os.cpu_count()} cores{', AVX-512' if 'avx512f' in flags else ''}{load}",
            f"nnfit's compiled passes (hidden layers, loss, optimizer): "
            f"{'numba' if numba else 'not available (NumPy lines)'}"
            + (" (NNFIT_NO_NUMBA is set)" if numba and os.environ.get("NNFIT_NO_NUMBA") else ""),
            f"python {platform.python_version()}, numpy {np.__version__}, BLAS: "
            + ("; ".join(blas) or "unknown"),
            "BLAS environment: " + (", ".join(f"{k}={v}" for k, v in env.items()) or "none set")]


def child(system, epochs, predict, threads=None):
    """Run one system in a fresh interpreter; return its JSON result."""
    cmd = [sys.executable, __file__, "--child", system, "--epochs", str(epochs)]
    if predict:
        cmd.append("--predict")
    env = dict(os.environ)
    if threads:  # read by OpenBLAS and OpenMP at load time, and by run_torch
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BENCH_THREADS"):
            env[name] = str(threads)
    if system == "nnfit-numpy":  # the layers' and optimizers' NumPy lines, no compiled passes
        if importlib.util.find_spec("numba") is None:
            return {"skipped": "numba is not installed, so the nnfit row is NumPy only"}
        env["NNFIT_NO_NUMBA"] = "1"
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        return {"skipped": f"failed: {out.stderr.strip().splitlines()[-1:]}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def median_epoch(seconds):
    """Median seconds per epoch, leaving out the first (warm-up) epoch when there are 3 or more."""
    return statistics.median(seconds[1:] if len(seconds) >= 3 else seconds)


def report_training(results, epochs):
    base = median_epoch(results["nnfit"]["seconds"])
    print(f"\ntraining, {epochs} epochs of 60,000 images, batch {BATCH}; "
          "median s/epoch (first epoch left out when >= 3)")
    print(f"{'system':<12}{'s/epoch':>9}{'/ nnfit':>9}"
          f"{'peak RSS MB':>13}{'test error':>12}   all epochs (s)")
    for name in SYSTEMS:
        r = results.get(name)
        if r is None:
            continue
        if "skipped" in r:
            print(f"{name:<12}skipped: {r['skipped']}")
            continue
        t = median_epoch(r["seconds"])
        rss = f"{r['peak_rss_mb']:.0f}" if "peak_rss_mb" in r else "-"
        err = f"{100 * r['test_error']:.2f}%" if "test_error" in r else "-"
        print(f"{name:<12}{t:>9.3f}{t / base:>9.2f}"
              f"{rss:>13}{err:>12}   " + " ".join(f"{s:.3f}" for s in r["seconds"]))
    r = results["nnfit"]
    print()
    if "roofline" in results:
        print(f"nnfit / roofline = {base / median_epoch(results['roofline']['seconds']):.2f}")
    budget = 2 * r["data_mb"] + 100
    print(f"nnfit peak RSS {r['peak_rss_mb']:.0f} MB (after reading the training images: "
          f"{r['rss_after_load_mb']:.0f} MB; float32 training data {r['data_mb']:.0f} MB; "
          f"target 2 x data + 100 = {budget:.0f} MB: "
          f"{'met' if r['peak_rss_mb'] <= budget else 'missed'})")


def report_predict(results):
    clock = "CPU" if os.environ.get("BENCH_THREADS") == "1" else "wall-clock"
    print(f"\nprediction on the 10,000 test images (median of 7 after a warm-up, {clock} seconds)")
    print(f"{'system':<12}{'seconds':>9}{'images/s':>12}{'/ nnfit':>9}")
    base = statistics.median(results["nnfit"]["predict_seconds"])
    for name in SYSTEMS:
        r = results.get(name)
        if r is None or "skipped" in r:
            if r is not None:
                print(f"{name:<12}skipped: {r['skipped']}")
            continue
        t = statistics.median(r["predict_seconds"])
        print(f"{name:<12}{t:>9.4f}{10000 / t:>12,.0f}{t / base:>9.2f}")
    if "roofline" in results and "predict_seconds" in results["roofline"]:
        print(f"\nnnfit / roofline = {base / statistics.median(results['roofline']['predict_seconds']):.2f}"
              " (nnfit's time includes scikit-learn's input checks, such as the scan for NaN "
              "and infinity)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--predict", action="store_true", help="time prediction throughput")
    parser.add_argument("--systems", default=",".join(SYSTEMS),
                        help="comma-separated subset of " + ",".join(SYSTEMS))
    parser.add_argument("--threads", type=int, help="threads for BLAS and torch in every system "
                        "(default: the libraries' own choice, all cores)")
    parser.add_argument("--paired", type=int, metavar="N", default=0,
                        help="also N epochs of nnfit and the roofline alternating in one process "
                        "(steadier ratio on a shared machine; CPU time with --threads 1)")
    parser.add_argument("--child", choices=SYSTEMS + ("paired",), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(RUNNERS[args.child](args.epochs, args.predict)))
        return
    print("\n".join(machine()))
    if args.threads:
        print(f"threads: {args.threads} per system (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS, torch)")
        os.environ["BENCH_THREADS"] = str(args.threads)  # (report_predict names the clock)
    busy = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    if busy > 0.5:
        print(f"warning: load average {busy:.2f} before the run: other processes share the cores, "
              "and multithreaded BLAS slows down many times when its threads wait for a busy core; "
              "compare rows of one run only, or use --threads 1")
    systems = [s for s in args.systems.split(",") if s]
    if "nnfit" not in systems:
        systems.insert(0, "nnfit")
    epochs = 1 if args.predict else args.epochs
    results = {}
    for name in systems:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        results[name] = child(name, epochs, args.predict, args.threads)
    if "torch" in results and "version" in results["torch"]:
        print(f"torch {results['torch']['version']}")
    if args.predict:
        report_predict(results)
    else:
        report_training(results, epochs)
    if args.paired and not args.predict:
        print("running paired ...", file=sys.stderr, flush=True)
        r = child("paired", args.paired, False, args.threads)
        if "skipped" in r:
            print(f"paired: {r['skipped']}")
        else:
            ratios = [a / b for a, b in r["pairs"]]
            print(f"paired in one process, {len(ratios)} epochs each ({r['clock']} seconds): "
                  f"nnfit {statistics.median(a for a, _ in r['pairs']):.3f}, roofline "
                  f"{statistics.median(b for _, b in r['pairs']):.3f}, nnfit / roofline median "
                  f"{statistics.median(ratios):.2f} (range {min(ratios):.2f} to {max(ratios):.2f})")


if __name__ == "__main__":
    main()
