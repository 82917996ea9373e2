"""``nnfit mnist``: the lecture's MNIST results table, side by side with the book's numbers."""
import argparse
import json
import os
import time

import numpy as np
from threadpoolctl import threadpool_limits

from .options import add_options, positive_int
from ..course import figures as _figures
from ..course import parallel as _parallel
from ..course import mnist_table
from ..backends.numpy_backend import get_backend
from .._files import atomic_write, check_output_path
from ..datasets import load_mnist


QUICK_EPOCHS = 5


def register(subparsers):
    parser = subparsers.add_parser(
        "mnist", help="reproduce the MNIST results table of ISLR2 section 10.7",
        description=__doc__ + " Fits each row with the book's protocol (784-256-128-10 ReLU "
        "network, RMSprop, minibatch 128, 20%% of the training images for validation, up to "
        "30 epochs) and writes a Markdown report with figures to --out.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--rows", default=",".join(mnist_table.DEFAULT_ROWS),
                        help="comma-separated rows to fit, from: " + ", ".join(mnist_table.TITLES))
    parser.add_argument("--epochs", type=positive_int, default=None,
                        help="maximum epochs for every network row (default: the row's protocol: "
                             "30, or 100 for augment)")
    parser.add_argument("--seed", type=int, default=0, help="random_state of every fit")
    parser.add_argument("--repeats", type=positive_int, default=1,
                        help="refit each network row with seeds SEED, SEED+1, ... and report the "
                             "mean and standard deviation of its test error over them (the "
                             "figures and the main column stay those of --seed)")
    parser.add_argument("--data-dir", default=None,
                        help="directory of MNIST-layout IDX files (default: $NNFIT_DATA, else the "
                             "copy shipped with nnfit)")
    parser.add_argument("--out", default="nnfit-mnist", help="directory for the report and figures")
    parser.add_argument("--json", default=None, metavar="FILE",
                        help="also write the results as JSON to FILE")
    parser.add_argument("--quick", action="store_true",
                        help="6,000 training and 1,000 test images, 5 epochs (unless --epochs): "
                             "a smoke test")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    add_options(parser)  # --jobs (rows and repeats side by side), --threads, --scheduler
    parser.add_argument("--device", default="cpu",
                        help="where the networks are fitted: cpu (NumPy), cuda (an NVIDIA GPU), "
                             "mps (Apple's GPU) or torch-cpu; all but cpu need PyTorch: "
                             "pip install 'nnfit[torch]'; a GPU takes one fit at a time, so "
                             "--jobs is refused with cuda and mps, and a --scheduler cluster "
                             "needs one single-threaded worker per GPU")
    parser.set_defaults(func=run)


def run(args):
    if args.json:  # refused before minutes of fitting, not after
        check_output_path(args.json, kind="JSON file", suffixes=(".json",), option="--json")
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise ValueError(f"--out {args.out} is a file, not a folder; give a folder for the report")
    if _on_gpu(args.device) and args.jobs not in (None, 1):
        raise ValueError(f"--jobs {args.jobs} with --device {args.device} would have every worker "
                         "process open the GPU and fit on it at once: leave out --jobs (the GPU "
                         "takes the fits one after the other), or use --jobs with --device cpu")
    n_jobs, threads = _parallel.plan(args.jobs, args.threads, args.scheduler)
    with threadpool_limits(limits=threads, user_api="blas"), \
            _parallel.cluster(args.scheduler, args.worker_timeout) as client:
        if client is not None and _on_gpu(args.device):
            _check_one_thread_per_gpu_worker(client, args)
        return fit_table(args, n_jobs, threads)


def _on_gpu(device):
    return isinstance(device, str) and device.split(":")[0] in ("cuda", "mps")


def _check_one_thread_per_gpu_worker(client, args):
    """On a cluster each worker thread fits on its machine's GPU: one thread per worker, one
    worker per GPU (``CUDA_VISIBLE_DEVICES``), or several fits would share one GPU at once."""
    crowded = {worker: n for worker, n in client.nthreads().items() if n > 1}
    if crowded:
        worker, n = sorted(crowded.items())[0]
        more = f" (and {len(crowded) - 1} more worker(s))" if len(crowded) > 1 else ""
        raise ValueError(f"--device {args.device} on the Dask cluster at {args.scheduler}: worker "
                         f"{worker}{more} runs {n} threads, which would fit as many networks on "
                         "its GPU at once: start one worker per GPU, each with --nthreads 1 "
                         "(CUDA_VISIBLE_DEVICES=K dask worker ADDRESS --nthreads 1 for the K-th "
                         "GPU)")


def fit_table(args, n_jobs=1, threads=None):
    rows = [r.strip() for r in args.rows.split(",") if r.strip()]
    unknown = [r for r in rows if r not in mnist_table.TITLES]
    if unknown:
        raise ValueError(f"unknown rows {unknown}; choose from {', '.join(mnist_table.TITLES)}")
    if not (args.scheduler and _on_gpu(args.device)):  # on a cluster the GPUs are the workers'
        get_backend(args.device)  # a missing PyTorch or GPU is reported before the data is read
    data = load_mnist(args.data_dir)
    epochs = args.epochs
    if args.quick:
        data = mnist_table.quick_subset(*data, seed=args.seed)
        epochs = epochs if epochs is not None else QUICK_EPOCHS
    X_train, y_train, X_test, y_test = data
    print(f"MNIST: {len(y_train):,} training images ({len(y_train) * 4 // 5:,} to fit, "
          f"{len(y_train) - len(y_train) * 4 // 5:,} to validate), {len(y_test):,} test images")
    networks = tuple(r for r in ("ridge", "dropout") if r in rows)
    if networks:  # a caption, so that the Dropout rows are not read as part of the ridge row
        print("\n" + {("ridge",): "The ridge row's network:",
                      ("dropout",): "The dropout row's network:",
                      ("ridge", "dropout"): "The network of the ridge and dropout rows (the ridge "
                      "row's without the Dropout layers, which have no parameters):"}[networks])
        mnist_table.network(networks[-1]).summary(n_features=X_train.shape[1], n_outputs=10)
    # every (row, seed) is an independent fit: --jobs runs them side by side, each as it would
    # run alone; a progress bar only when they run one at a time here
    progress = not args.no_progress and n_jobs == 1 and args.scheduler is None
    seeds = {row: [args.seed] if row == "lda" else list(range(args.seed, args.seed + args.repeats))
             for row in rows}
    tasks = [((row, X_train, y_train, X_test, y_test, epochs, seed, progress),
              {"keep_model": i == 0, "device": args.device})
             for row in rows for i, seed in enumerate(seeds[row])]
    done = _parallel.map_fits(mnist_table.fit_seed, tasks, n_jobs, threads)
    results, models = [], {}
    for row in rows:
        print(f"\n{mnist_table.TITLES[row]} ...", flush=True)
        fits = []
        for seed in seeds[row]:
            result, model = next(done)
            print(f"  seed {seed}: test error {result['test_error']:.2f} %  "
                  f"({result['seconds']:.1f} s)", flush=True)
            fits.append((result, model))
        result, models[row] = fits[0]
        if len(fits) > 1:
            errors = [r["test_error"] for r, _ in fits]
            result.update(seeds=seeds[row], test_errors=errors,
                          test_error_mean=float(np.mean(errors)),
                          test_error_sd=float(np.std(errors, ddof=1)))
        results.append(result)
    table = markdown_table(results, args.repeats)
    print("\n" + table)
    os.makedirs(args.out, exist_ok=True)
    figures = write_figures(models, X_test, y_test, args.out)
    args.written += [os.path.join(args.out, name) for _, name in figures]
    write_report(args.out, table, results, figures, args)
    args.written.append(os.path.join(args.out, "report.md"))
    print(f"\nreport and figures in {os.path.abspath(args.out)}")
    if args.json:
        with atomic_write(args.json, "w") as f:
            json.dump({"quick": args.quick, "seed": args.seed, "repeats": args.repeats,
                       "blas_threads": threads,
                       "parallel": _parallel.describe(n_jobs, threads, args.scheduler),
                       "rows": results}, f, indent=2, default=str)
        args.written.append(args.json)
    return 0


def markdown_table(results, repeats=1):
    spread = f" mean ± sd, {repeats} seeds |" if repeats > 1 else ""
    lines = ["| method | book test error | nnfit test error |" + spread + " epochs | seconds |",
             "|---|---|---|" + ("---|" if spread else "") + "---|---|"]
    for r in results:
        book = f"{r['book_error']:.1f} %" if r["book_error"] is not None else "—"
        epochs = r["epochs"] if r["epochs"] is not None else "—"
        cells = [r["method"], book, f"{r['test_error']:.2f} %"]
        if spread:
            cells.append(f"{r['test_error_mean']:.2f} ± {r['test_error_sd']:.2f} %"
                         if "test_error_mean" in r else "(deterministic)")
        cells += [str(epochs), f"{r['seconds']:.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_figures(models, X_test, y_test, out):
    networks = {mnist_table.TITLES[row]: m.history_ for row, m in models.items() if hasattr(m, "history_")}
    figures = []
    if networks:
        _figures.learning_curves(networks, os.path.join(out, "learning_curves.png"))
        figures.append(("Training and validation loss and error per epoch", "learning_curves.png"))
    best = next((models[r] for r in ("augment", "dropout", "ridge", "logistic") if r in models), None)
    if best is not None:
        _figures.misclassified(X_test, y_test, best.predict(X_test), os.path.join(out, "misclassified.png"))
        figures.append(("Misclassified test digits", "misclassified.png"))
    # the ridge fit shrinks the weights of the always-blank border pixels to 0: the clearest picture
    hidden = next((models[r] for r in ("ridge", "dropout", "augment") if r in models), None)
    if hidden is not None:
        _figures.first_layer_weights(hidden.coefs_[0], os.path.join(out, "first_layer_weights.png"))
        figures.append(("First hidden layer's weights", "first_layer_weights.png"))
    return figures


def write_report(out, table, results, figures, args):
    lines = ["# nnfit: the MNIST results table of ISLR2 section 10.7", "",
             f"Run {time.strftime('%Y-%m-%d %H:%M')}, seed {args.seed}"
             + (f" (and {args.repeats - 1} more for the spread)" if args.repeats > 1 else "")
             + (", quick subset (smoke test, not the protocol)" if args.quick else "") + ".", "",
             table, ""]
    for r in results:
        if r["epochs"] is not None:
            lines.append(f"- {r['method']}: {r['n_params']:,} parameters, {r['epochs']} epochs "
                         f"(best weights from epoch {r['best_epoch']}, validation error "
                         f"{r['validation_error']:.2f} %)")
    lines.append("")
    for caption, name in figures:
        lines += [f"## {caption}", "", f"![{caption}]({name})", ""]
    with atomic_write(os.path.join(out, "report.md"), "w") as f:
        f.write("\n".join(lines))
