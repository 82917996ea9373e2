"""Seconds of independent fits with 1 and 2 workers: ``nnfit hitters --seeds 8`` and a 16-point
grid search (GridSearchCV, 5 folds, 80 fits of the Hitters network) on this machine.

    python bench/parallel.py               # each case twice, alternating 1 and 2 workers
    python bench/parallel.py --repeat 3    # more rounds
    python bench/parallel.py --dask        # also the grid search on a Dask LocalCluster of
                                           # 2 worker processes (started before the clock)

Every timing runs in a child process of its own, so the workers' start-up (a fresh process
importing NumPy, scikit-learn and nnfit) is counted as a user meets it.  ``hitters`` is timed
twice: the whole command (interpreter start and imports included) and the ``seconds`` the
command reports (data split, the two baselines and the 8 fits).  "CPU" is the processor time
of the run, its workers included (user + system): it depends little on the load, and its rise
from 1 to 2 workers is what starting the workers costs.  The load average (1 minute,
``os.getloadavg``) is printed with each figure: on a machine shared with other jobs the
wall-clock figures move with it.  The fits are the same in every case (``tests/test_parallel.py``
checks the bits), so only the time differs.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

GRID = {"hidden_layer_sizes": [(25,), (50,)], "dropout": [0.2, 0.4],
        "ridge": [0.0, 1e-4, 1e-3, 1e-2]}


def grid_search(jobs, dask):
    """Time one 16-point GridSearchCV in this process; print the seconds as JSON."""
    import joblib
    from sklearn.model_selection import GridSearchCV

    from nnfit import MLPRegressor, islr_lab

    X, _, y, _ = islr_lab.hitters_split()
    search = GridSearchCV(MLPRegressor(**dict(islr_lab.HITTERS_NETWORK, random_state=0)), GRID,
                          cv=5, scoring="neg_mean_absolute_error", n_jobs=jobs)
    if dask:
        from distributed import Client, LocalCluster
        with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
                Client(cluster), joblib.parallel_config(backend="dask"):
            start = time.perf_counter()
            search.fit(X, y)
    else:
        start = time.perf_counter()
        search.fit(X, y)
    print(json.dumps({"seconds": time.perf_counter() - start, "best": search.best_params_,
                      "best_mae": -search.best_score_}))


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def hitters(jobs):
    """Wall seconds of the whole command, the seconds it reports, CPU seconds."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "h.json")
        start, cpu = time.perf_counter(), cpu_seconds()
        subprocess.run([sys.executable, "-m", "nnfit", "hitters", "--seeds", "8", "--jobs",
                        str(jobs), "--json", path], check=True, stdout=subprocess.DEVNULL)
        wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
        with open(path) as file:
            return wall, json.load(file)["seconds"], cpu


def grid(jobs, dask=False):
    """Seconds of the search itself, CPU seconds of the whole child process."""
    child = [sys.executable, __file__, "--child", str(jobs)] + (["--dask"] if dask else [])
    cpu = cpu_seconds()
    out = subprocess.run(child, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["seconds"], cpu_seconds() - cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--dask", action="store_true")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        return grid_search(args.child, args.dask)
    print(f"{os.cpu_count()} cores; load average (1 min) before each run in brackets")
    for round_ in range(1, args.repeat + 1):
        for jobs in (1, 2):
            load = os.getloadavg()[0]
            wall, reported, cpu = hitters(jobs)
            print(f"round {round_}  hitters --seeds 8 --jobs {jobs}: {wall:5.1f} s whole command, "
                  f"{reported:5.1f} s reported, CPU {cpu:5.1f} s  [load {load:.2f}]", flush=True)
        for jobs in (1, 2):
            load = os.getloadavg()[0]
            seconds, cpu = grid(jobs)
            print(f"round {round_}  grid search, 16 points x 5 folds, n_jobs={jobs}: "
                  f"{seconds:5.1f} s, CPU {cpu:5.1f} s  [load {load:.2f}]", flush=True)
        if args.dask:
            load = os.getloadavg()[0]
            seconds, cpu = grid(-1, dask=True)
            print(f"round {round_}  grid search on a Dask LocalCluster, 2 workers: "
                  f"{seconds:5.1f} s, CPU {cpu:5.1f} s  [load {load:.2f}]", flush=True)


if __name__ == "__main__":
    main()
