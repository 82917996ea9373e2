"""The MNIST epoch of bench/epoch.py, quiet and beside busy processes: how much each system slows.

    python bench/loaded.py                    # 2 busy processes, 3 rounds: all rows
    python bench/loaded.py --rounds 5 --systems nnfit,nnfit-adaptive,roofline,roofline-1
    python bench/loaded.py --busy 1           # one busy process
    python bench/loaded.py --quick            # 6,000 images, 1 round: checks that it runs

The network and settings are bench/epoch.py's (784-256-128-10, dropout 0.4/0.3, RMSprop,
batch 128, float32, 60,000 images).  The rows that share a library run in one child process:
the NumPy ones (nnfit's and the roofline's), scikit-learn's, PyTorch's.  A child takes one
warm-up epoch of each of its rows, then ``--rounds`` rounds, each a quiet phase (the machine
as it is) and a loaded phase (``--busy`` processes spinning, ``while True: pass``, started by
the child 0.5 s before the phase and ended after it, and in any case after ``--busy-seconds``),
the two in turn (quiet first, then loaded first, ...); in each phase one epoch of every row,
one after the other.  So every row meets the same load in the same phase, and a drift of the
machine's own load (other users) hits quiet and loaded alike.

Rows: ``nnfit`` (the library's default threads, "auto": BLAS on the usable cores),
``nnfit-adaptive`` (``set_threads("adaptive")``: the products cut in blocks fixed by their
shapes, ``nnfit.backends.blocked``, on fewer threads while other programs keep the cores busy),
``nnfit-1`` (``set_threads(1)``), ``nnfit-blocks`` (the blocks always on the usable cores, as
"adaptive" on a quiet machine), ``roofline`` (the epoch's matrix products alone,
with OpenBLAS's own thread count), ``roofline-1`` (on one thread), ``roofline-blocks`` (the
products in nnfit's blocks on the usable cores, as a fit does them), ``sklearn`` (MLPClassifier, adam, OpenBLAS's threads, one
``partial_fit`` an epoch), ``torch`` (eager, ``torch.set_num_threads(cores)``); on request
``sklearn-1`` and ``torch-1``, on one thread.  The table gives each row's seconds per epoch
quiet and loaded (min / median over the rounds) and the slowdown loaded / quiet (of the mins /
of the medians), and the other programs' load in each phase (cores' worth busy beyond this
run's own processes, from ``/proc/stat``: "quiet" is the machine as it is).  Below it, for each nnfit row: its slowdown over the roofline's (and over
that of the products done the faster way in each phase), scikit-learn's and PyTorch's loaded
(and quiet) time over its own; and nnfit-adaptive's quiet time over nnfit's: the figures of
issue 27.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # the repository's nnfit
sys.path.insert(0, HERE)  # bench/epoch.py

GROUPS = {"numpy": ("nnfit", "nnfit-adaptive", "nnfit-1", "nnfit-blocks", "roofline",
                   "roofline-1", "roofline-blocks"),
          "sklearn": ("sklearn", "sklearn-1"), "torch": ("torch", "torch-1")}
DEFAULT = ("nnfit", "nnfit-adaptive", "nnfit-1", "nnfit-blocks", "roofline", "roofline-1",
           "roofline-blocks", "sklearn", "torch")
NNFIT_ROWS = ("nnfit", "nnfit-adaptive", "nnfit-1", "nnfit-blocks")
ROWS = sum(GROUPS.values(), ())
SETTLE = 0.5  # seconds between starting (or ending) the busy processes and a phase
BUSY = ("import time\nend = time.monotonic() + {seconds}\n"
        "while time.monotonic() < end:\n    pass\n")


def start_busy(count, seconds):
    return [subprocess.Popen([sys.executable, "-c", BUSY.format(seconds=seconds)])
            for _ in range(count)]


def stop_busy(processes):
    for process in processes:
        process.kill()
    for process in processes:
        process.wait()


# --- in the child: one closure per row, each timing one epoch ----------------------------------
def numpy_epochs(rows, X, y, cores):
    import numpy as np
    from threadpoolctl import threadpool_limits

    import epoch
    import nnfit
    from nnfit.backends import blocked, cores, threads
    from nnfit.engine import training
    from nnfit.engine.training import run_epochs
    histories = {}  # nnfit's thread choices, per row, per epoch
    close = threads.FitThreads.close

    def recording_close(self):
        histories.setdefault(current[0], []).append(self.history)
        close(self)
    threads.FitThreads.close = recording_close
    current = [None]
    closures = {}
    for row in rows:
        if row.startswith("nnfit"):
            count = {"nnfit": None, "nnfit-adaptive": "adaptive", "nnfit-1": 1,
                     "nnfit-blocks": "adaptive"}[row]
            model = nnfit.MLPClassifier(epoch.HIDDEN, dropout=epoch.DROPOUT, optimizer="rmsprop",
                                        learning_rate=epoch.LEARNING_RATE, batch_size=epoch.BATCH,
                                        epochs=1, validation_fraction=0, early_stopping=False,
                                        standardize=False, random_state=0)
            with threads.threads_for(count):
                model.fit(X, y)  # the warm-up epoch
            Y = model._encode_targets(y, "float32", reset=False)

            def one(model=model, Y=Y, count=count, row=row):
                current[0] = row
                before = training.fit_threads
                if row == "nnfit-blocks":  # the blocks on the usable cores, whatever the load
                    training.fit_threads = all_cores_blocks
                try:
                    with threads.threads_for(count):
                        run_epochs(model._objective, model._optimizer, X, Y, model._rng,
                                   batch_size=epoch.BATCH, epochs=1, early_stopping=False,
                                   history={})
                finally:
                    training.fit_threads = before
        else:
            cut = row == "roofline-blocks"
            products = epoch.roofline_epoch(X.shape[0], np.random.default_rng(0),
                                            matmul=blocked.matmul if cut else np.matmul)
            limit = 1 if row in ("roofline-1", "roofline-blocks") else None

            def one(products=products, limit=limit, cut=cut):
                with threadpool_limits(limits=limit, user_api="blas"), \
                        blocked.use(cores.usable_cores() if cut else 1):
                    if not cut:
                        blocked.set_workers(0)  # NumPy's matmul
                    products()
            one()  # warm-up
        closures[row] = one
    return closures, histories


def all_cores_blocks(threads=None):
    """"adaptive"'s fit threads held at its ceiling (the usable cores): no looks at the load."""
    from nnfit.backends import blocked
    from nnfit.backends.threads import FitThreads
    pace = FitThreads("adaptive")
    pace._next = float("inf")
    pace.threads = pace.ceiling
    pace.history = [(0.0, pace.ceiling)]
    blocked.set_workers(pace.ceiling)
    return pace


def sklearn_epochs(rows, X, y, cores):
    import warnings

    import numpy as np
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from threadpoolctl import threadpool_limits

    import epoch
    classes = np.unique(y)
    closures = {}
    for row in rows:
        model = MLPClassifier(epoch.HIDDEN, solver="adam", alpha=1e-5, batch_size=epoch.BATCH,
                              learning_rate_init=epoch.LEARNING_RATE, max_iter=1, shuffle=True,
                              random_state=0, tol=0.0, n_iter_no_change=10**9)
        limit = 1 if row == "sklearn-1" else None

        def one(model=model, limit=limit):
            with warnings.catch_warnings(), threadpool_limits(limits=limit, user_api="blas"):
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.partial_fit(X, y, classes=classes)
        one()
        closures[row] = one
    return closures, {}


def torch_epochs(rows, X, y, cores):
    import torch

    import epoch
    torch.manual_seed(0)
    X, y = torch.from_numpy(X), torch.from_numpy(y)
    nn = torch.nn
    closures = {}
    for row in rows:
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Dropout(epoch.DROPOUT[0]),
                              nn.Linear(256, 128), nn.ReLU(), nn.Dropout(epoch.DROPOUT[1]),
                              nn.Linear(128, 10))
        optimizer = torch.optim.RMSprop(model.parameters(), lr=epoch.LEARNING_RATE, alpha=0.9,
                                        eps=1e-7)
        loss_fn = nn.CrossEntropyLoss()
        count = 1 if row == "torch-1" else cores

        def one(model=model, optimizer=optimizer, loss_fn=loss_fn, count=count):
            torch.set_num_threads(count)
            model.train()
            order = torch.randperm(X.shape[0])
            for i in range(0, X.shape[0], epoch.BATCH):
                idx = order[i:i + epoch.BATCH]
                optimizer.zero_grad(set_to_none=True)
                loss_fn(model(X[idx]), y[idx]).backward()
                optimizer.step()
        one()
        closures[row] = one
    return closures, {}


def child(group, rows, rounds, busy, busy_seconds, quick):
    import epoch
    from nnfit.backends.cores import usable_cores
    if group == "torch":
        try:
            import torch  # noqa: F401
        except ImportError:
            return {"skipped": "torch is not installed (pip install 'nnfit[bench]')"}
    X, y = epoch.load("train")
    if quick:
        X, y = X[:6000], y[:6000]
    make = {"numpy": numpy_epochs, "sklearn": sklearn_epochs, "torch": torch_epochs}[group]
    closures, histories = make(rows, X, y, usable_cores())
    times = {row: {"quiet": [], "loaded": []} for row in rows}
    chosen = {row: {"quiet": [], "loaded": []} for row in rows}
    others = {"quiet": [], "loaded": []}  # other programs' cores' worth in each phase
    for r in range(rounds):
        for state in (("quiet", "loaded") if r % 2 == 0 else ("loaded", "quiet")):
            spinning = start_busy(busy if state == "loaded" else 0, busy_seconds)
            try:
                time.sleep(SETTLE)
                look = background()
                for row in rows:
                    seen = len(histories.get(row, []))
                    start = time.perf_counter()
                    closures[row]()
                    times[row][state].append(time.perf_counter() - start)
                    chosen[row][state] += [[t for _, t in h] for h in histories.get(row, [])[seen:]]
                load = background(look)
                if load is not None:
                    others[state].append(load - len(spinning))
            finally:
                stop_busy(spinning)
    return {"times": times, "threads": chosen, "others": others}


def background(before=None):
    """A look at the CPUs (``/proc/stat``) and this process's CPU time; given an earlier look,
    the cores' worth other processes kept busy since (the busy processes of a loaded phase
    included); None where ``/proc/stat`` cannot be read."""
    from nnfit.backends import cores
    cpus = cores.affinity_cpus()
    jiffies = cores.cpu_jiffies(cpus)
    now = (time.monotonic(), time.process_time(), jiffies)
    if before is None or jiffies is None or before[2] is None:
        return now
    busy, total = (after - earlier for after, earlier in zip(jiffies, before[2]))
    if total <= 0:
        return None
    own = (now[1] - before[1]) / (now[0] - before[0])
    return len(cpus) * busy / total - own


# --- the parent ---------------------------------------------------------------------------------
def run_group(group, rows, args):
    command = [sys.executable, __file__, "--child", group, "--systems", ",".join(rows),
               "--rounds", str(args.rounds), "--busy", str(args.busy),
               "--busy-seconds", str(args.busy_seconds)] + (["--quick"] if args.quick else [])
    env = {k: v for k, v in os.environ.items() if k != "NNFIT_THREADS"}  # nnfit: automatic
    out = subprocess.run(command, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        return {"skipped": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def threads_note(lists):
    """nnfit's thread counts in a phase's epochs, e.g. "1" or "2>1, 1" (a change in an epoch)."""
    if not lists:
        return ""
    words = [">".join(str(t) for t in counts) for counts in lists]
    return ", ".join(dict.fromkeys(words))


def report(results, rows, others):
    summary = {}
    print(f"\n{'row':<16}{'quiet s/epoch':>16}{'loaded s/epoch':>18}{'slowdown':>16}   "
          "nnfit's threads quiet | loaded")
    for row in rows:
        r = results.get(row)
        if r is None or "skipped" in r:
            print(f"{row:<16}skipped: {r['skipped'] if r else 'no result'}")
            continue
        q, l = r["quiet"], r["loaded"]
        quiet, loaded = (min(q), statistics.median(q)), (min(l), statistics.median(l))
        slow = (loaded[0] / quiet[0], loaded[1] / quiet[1])
        summary[row] = {"quiet": quiet[1], "loaded": loaded[1], "slowdown": slow[1]}
        note = ""
        if r.get("threads", {}).get("loaded"):
            note = f"{threads_note(r['threads']['quiet'])} | {threads_note(r['threads']['loaded'])}"
        print(f"{row:<16}{quiet[0]:>8.3f} /{quiet[1]:>6.3f}{loaded[0]:>9.3f} /{loaded[1]:>7.3f}"
              f"{slow[0]:>8.2f} /{slow[1]:>6.2f}   {note}")
    print("(min / median over the rounds; slowdown: loaded / quiet of the mins / of the medians)")
    for group, load in others.items():
        if load["quiet"] or load["loaded"]:
            print(f"other programs' load during the {group} rows (cores' worth, min-max of the "
                  f"phases, the busy processes left out): quiet {span(load['quiet'])}, "
                  f"loaded {span(load['loaded'])}")
    s = summary
    best = None
    if "roofline" in s and "roofline-1" in s:  # the products done the faster way in each phase
        best = {state: min(s["roofline"][state], s["roofline-1"][state])
                for state in ("quiet", "loaded")}
        print(f"\nthe products done the faster way in each phase: quiet {best['quiet']:.3f}, "
              f"loaded {best['loaded']:.3f}, slowdown {best['loaded'] / best['quiet']:.2f}")
    for name in NNFIT_ROWS:
        if name not in s:
            continue
        line = [f"{name}: slowdown {s[name]['slowdown']:.2f}"]
        for products in ("roofline", "roofline-blocks"):
            if products in s:
                line.append(f"/ {products}'s {s[name]['slowdown'] / s[products]['slowdown']:.2f}"
                            " (issue 27: <= 1.2)")
        if best:
            slow = best["loaded"] / best["quiet"]
            line.append(f"/ the faster products' {s[name]['slowdown'] / slow:.2f}")
        for other, target in (("sklearn", 2.0), ("torch", 1.5), ("sklearn-1", 2.0),
                              ("torch-1", 1.5)):
            if other in s:
                line.append(f"{other} / {name} loaded {s[other]['loaded'] / s[name]['loaded']:.2f} "
                            f"(>= {target:g}), quiet {s[other]['quiet'] / s[name]['quiet']:.2f}")
        print(";\n    ".join(line))
    for name in NNFIT_ROWS[1:]:
        if "nnfit" in s and name in s:
            print(f"{name} / nnfit: quiet {s[name]['quiet'] / s['nnfit']['quiet']:.2f}, "
                  f"loaded {s[name]['loaded'] / s['nnfit']['loaded']:.2f}")


def span(values):
    return f"{min(values):.2f}-{max(values):.2f}" if values else "not measured"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", default=",".join(DEFAULT),
                        help="comma-separated rows, of " + ",".join(ROWS))
    parser.add_argument("--busy", type=int, default=2, help="busy processes in a loaded phase")
    parser.add_argument("--rounds", type=int, default=3,
                        help="quiet / loaded rounds (an epoch of each row in each phase)")
    parser.add_argument("--busy-seconds", type=float, default=900,
                        help="longest life of a busy process")
    parser.add_argument("--quick", action="store_true", help="6,000 images, 1 round")
    parser.add_argument("--json", metavar="FILE", help="also write every epoch's seconds here")
    parser.add_argument("--child", choices=tuple(GROUPS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    rows = [r for r in args.systems.split(",") if r]
    unknown = [r for r in rows if r not in ROWS]
    if unknown:
        parser.error(f"unknown rows {unknown}; choose from {', '.join(ROWS)}")
    if args.child:
        print(json.dumps(child(args.child, rows, args.rounds, args.busy, args.busy_seconds,
                               args.quick)))
        return
    if args.quick:
        args.rounds = 1
    import epoch
    from nnfit.backends.cores import affinity_cpus, cgroup_cpu_limit, usable_cores
    print("\n".join(epoch.machine()))
    print(f"usable cores {usable_cores()} (affinity {len(affinity_cpus())}, cgroup quota "
          f"{cgroup_cpu_limit() or 'none'}); loaded: beside {args.busy} busy processes; "
          f"{args.rounds} round(s) of a quiet and a loaded phase"
          + ("; --quick: 6,000 images" if args.quick else ""))
    results, others, started = {}, {}, time.monotonic()
    for group, members in GROUPS.items():
        chosen = [r for r in rows if r in members]
        if not chosen:
            continue
        print(f"running {', '.join(chosen)} (load average {os.getloadavg()[0]:.2f}) ...",
              file=sys.stderr, flush=True)
        out = run_group(group, chosen, args)
        others[group] = out.get("others", {"quiet": [], "loaded": []})
        for row in chosen:
            results[row] = out if "skipped" in out else {
                **out["times"][row], "threads": out["threads"][row]}
    print(f"{time.monotonic() - started:.0f} s in all; load average now "
          "%.2f %.2f %.2f" % os.getloadavg())
    report(results, rows, others)
    if args.json:
        with open(args.json, "w") as file:
            json.dump({"results": results, "others": others}, file, indent=1)


if __name__ == "__main__":
    main()
