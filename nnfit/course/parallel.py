"""Independent fits side by side: joblib on this machine, or a Dask cluster through joblib.

What runs in parallel is the list of separate fits a command makes (seeds, repeats, rows),

    results = [fit(task) for task in tasks],   computed as   Parallel(n_jobs)(delayed(fit)(task))

never the steps of one fit: theta_{t+1} = theta_t - rho g(theta_t) needs theta_t, so one fit's
minibatch steps stay one after the other.  Each fit runs with its own BLAS thread limit
(threadpoolctl, inside the worker), so that J workers with T threads each use J * T <= cores,
and a fit gives the same bits in a worker as in this process with the same T (float32 matrix
products sum in an order that depends on the thread count, so T must match to compare bits).

On a cluster (``--scheduler ADDRESS``) the fits go to the Dask workers' threads; Dask starts
its worker processes with one BLAS thread, and T defaults to 1 there.
"""
import contextlib

import joblib
from threadpoolctl import threadpool_limits

DASK_MISSING = ("--scheduler needs dask.distributed, which is not installed: "
                "pip install 'nnfit[dask]' (or pip install 'dask[distributed]')")
CONNECT_TIMEOUT = 10  # seconds to reach a scheduler before giving up


def plan(jobs=None, threads=None, scheduler=None, cores=None):
    """(workers, BLAS threads per fit) for ``jobs`` local workers or a cluster at ``scheduler``.

    Locally, ``jobs`` -1 means one per core, ``threads`` None means the BLAS library's default
    for one worker and ``cores // jobs`` for several; more than ``cores`` threads in all is
    refused.  On a cluster the workers are the cluster's (n_jobs -1) and ``threads`` defaults to 1.
    """
    if scheduler is not None:
        if jobs is not None:
            raise ValueError("--jobs counts worker processes on this machine; with --scheduler "
                             "every worker thread of the Dask cluster takes fits: leave out --jobs")
        return -1, 1 if threads is None else threads
    cores = joblib.cpu_count() if cores is None else cores
    jobs = 1 if jobs is None else (cores if jobs == -1 else jobs)
    if jobs < 1:
        raise ValueError(f"jobs={jobs} is invalid: give a number of workers >= 1, or -1")
    if threads is None:
        if jobs == 1:
            return 1, None
        threads = max(1, cores // jobs)
    if jobs * threads > cores:
        raise ValueError(f"{jobs} workers x {threads} BLAS threads = {jobs * threads} threads on "
                         f"{cores} cores would make the fits wait on each other; choose --jobs "
                         f"and --threads with a product of at most {cores}")
    return jobs, threads


def _fit_with_threads(function, threads, args, kwargs):
    with threadpool_limits(limits=threads, user_api="blas"):
        return function(*args, **kwargs)


def map_fits(function, tasks, n_jobs=1, threads=None):
    """``function(*args, **kwargs)`` for each ``(args, kwargs)`` in ``tasks``, in order, each under
    a BLAS limit of ``threads``; ``n_jobs`` workers of the active joblib backend (loky processes,
    or the Dask cluster inside ``cluster``).  Returns a generator: results arrive in task order
    as they are done.  Large arrays given as the same object to every task travel once."""
    calls = (joblib.delayed(_fit_with_threads)(function, threads, args, kwargs)
             for args, kwargs in tasks)
    return joblib.Parallel(n_jobs=n_jobs, return_as="generator")(calls)


@contextlib.contextmanager
def cluster(scheduler=None):
    """Within the block joblib sends work to the Dask scheduler at ``scheduler`` (None: no-op)."""
    if scheduler is None:
        yield None
        return
    try:
        from distributed import Client
    except ImportError:
        raise ValueError(DASK_MISSING) from None
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as error:
        raise ValueError(f"no Dask scheduler answered at {scheduler} within {CONNECT_TIMEOUT} s "
                         f"({error}); start one with `dask scheduler` and workers with "
                         "`dask worker ADDRESS`, or check the address") from None
    with client, joblib.parallel_config(backend="dask"):
        try:
            yield client
        except ModuleNotFoundError as error:  # raised on a worker, passed on by Dask
            if (error.name or "").split(".")[0] != "nnfit":
                raise
            raise ValueError(f"the Dask workers at {scheduler} cannot import {error.name}: "
                             "install nnfit (this version) on every worker machine") from None


def describe(n_jobs, threads, scheduler=None):
    """A JSON-ready record of where the fits ran."""
    return {"jobs": n_jobs, "blas_threads": threads, "scheduler": scheduler}
