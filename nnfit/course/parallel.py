"""Independent fits side by side: joblib on this machine, or a Dask cluster.

What runs in parallel is the list of separate fits a command makes (seeds, repeats, rows),

    results = [fit(task) for task in tasks],   computed as   Parallel(n_jobs)(delayed(fit)(task))

never the steps of one fit: theta_{t+1} = theta_t - rho g(theta_t) needs theta_t, so one fit's
minibatch steps stay one after the other.  Each fit runs with its own BLAS thread limit
(threadpoolctl, inside the worker), so that J workers with T threads each use J * T <= cores,
and a fit gives the same bits in a worker as in this process with the same T (float32 matrix
products sum in an order that depends on the thread count, so T must match to compare bits;
with ``NNFIT_THREADS=adaptive`` the products are cut into blocks and T does not matter).

On a cluster (``--scheduler ADDRESS``, ``cluster``) the fits go to the Dask workers' threads,
T 1 unless told.  A cluster run survives the loss of workers as long as one is left:

- each fit is one Dask task that carries its own data (no data scattered ahead to one worker,
  which would die with it), submitted with ``retries`` for a fit that raised on a worker;
- a fit running on a worker that dies, or a result held by one, is computed again on another
  worker by the scheduler itself, from the same data and seed, so the results stay the bits of
  the serial run;
- with no worker at all (none started, or every one lost) the run warns at once, waits up to
  ``--worker-timeout`` seconds for one to join, and then stops with ``NoWorkerError`` (a
  ValueError, one line on the command line), never waiting for ever;
- only the fits go to the cluster: everything else (the Hitters lasso's cross-validation
  included) runs in this process.

At most ``2 x worker threads`` fits, and ``IN_FLIGHT_BYTES`` of their data, are handed to the
scheduler at a time, so that a long list of fits with large data (``nnfit mnist``, 220 MB of
images each) does not pile up in the scheduler's memory.
"""
import asyncio
import contextlib
import contextvars
import logging
import time
import warnings

import joblib
from threadpoolctl import threadpool_limits

DASK_MISSING = ("--scheduler needs dask.distributed, which is not installed: "
                "pip install 'nnfit[dask]' (or pip install 'dask[distributed]')")
CONNECT_TIMEOUT = 10  # seconds to reach a scheduler before giving up
WORKER_TIMEOUT = 60.0  # seconds a cluster run waits with no worker before it stops
RETRIES = 2  # Dask's re-runs of a fit that raised on a worker (a lost worker's fits re-run anyway)
POLL = 0.5  # seconds between looks at the cluster while a run waits for its next result
IN_FLIGHT_BYTES = 2 << 30  # data of the fits handed to the scheduler at a time (at least one)

_CLUSTER = contextvars.ContextVar("nnfit_cluster", default=None)  # set inside ``cluster``


class NoWorkerError(ValueError):
    """A cluster run found no Dask worker for longer than its ``worker_timeout``.  A ValueError,
    so that the command line reports it as one line (exit status 2)."""


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
    a BLAS limit of ``threads``.  Inside ``cluster(ADDRESS)`` the fits run on that Dask cluster's
    worker threads, each task with its own data, and survive lost workers (see the module's
    docstring; ``n_jobs`` is then not used); elsewhere in ``n_jobs`` workers of the active joblib
    backend (loky processes unless configured), where large arrays given as the same object to
    every task travel once.  Returns a generator: results arrive in task order as they are done.
    """
    active = _CLUSTER.get()
    if active is not None:
        calls = [(function, threads, args, kwargs) for args, kwargs in tasks]
        return _ClusterRun(active, calls).results()  # the first fits are submitted now
    calls = (joblib.delayed(_fit_with_threads)(function, threads, args, kwargs)
             for args, kwargs in tasks)
    return joblib.Parallel(n_jobs=n_jobs, return_as="generator")(calls)


class _Cluster:
    """The Dask client of a ``cluster`` block, its address and its wait for workers."""

    def __init__(self, client, address, worker_timeout):
        self.client, self.address, self.worker_timeout = client, address, worker_timeout


class _ClusterRun:
    """One ``map_fits`` on a cluster: one Dask future per fit, handed to the scheduler a few at a
    time (``IN_FLIGHT_BYTES``, 2 per worker thread), and a look at the cluster's workers between
    results: lost ones are reported, and none for ``worker_timeout`` seconds ends the run."""

    def __init__(self, cluster, calls):
        from dask.sizeof import sizeof
        self.cluster, self.calls = cluster, calls
        self.sizes = [sizeof(args) + sizeof(kwargs) for _, _, args, kwargs in calls]
        self.futures = {}  # call index -> Future, submitted and not yet handed back
        self.submitted = 0  # calls[:submitted] have been submitted
        self.returned = 0  # results handed back
        self.workers = set()  # addresses seen at the last look
        self.idle_since = None  # time.monotonic() when the cluster was first seen without worker
        self._submit(self._look())

    def results(self):
        try:
            for index in range(len(self.calls)):
                yield self._result(index)
                self.returned += 1
        finally:  # finished, failed, or abandoned by the caller: nothing left running for us
            if self.futures and self.cluster.client.status == "running":
                self.cluster.client.cancel(list(self.futures.values()))

    def _result(self, index):
        from distributed import CancelledError, KilledWorker, wait
        while True:
            future = self.futures[index]
            if future.status == "finished":
                try:  # a large result may take a while to come; a lost one is computed again
                    value = future.result(timeout=self.cluster.worker_timeout)
                except (TimeoutError, CancelledError):  # no worker, or no scheduler: seen below
                    pass
                else:
                    del self.futures[index]
                    self._submit(self._look())
                    return value
            elif future.status == "error":
                try:
                    future.result()  # raises the fit's own exception, after Dask's retries
                except KilledWorker:
                    raise ValueError(
                        f"fit {index + 1} of {len(self.calls)} was running on each of several "
                        f"Dask workers at {self.cluster.address} that died while fitting it "
                        "(Dask's KilledWorker): the fit may need more memory than a worker "
                        "has; see the workers' logs") from None
            elif future.status == "cancelled":
                if self.cluster.client.status != "running":
                    raise self._lost_scheduler()
                raise ValueError(f"the Dask scheduler at {self.cluster.address} cancelled fit "
                                 f"{index + 1} of {len(self.calls)} (was it restarted?); "
                                 "run the command again")
            running = [f for f in self.futures.values() if not f.done()]
            if running:
                try:
                    wait(running, timeout=POLL, return_when="FIRST_COMPLETED")
                except (TimeoutError, CancelledError):  # a cancelled fit is seen above
                    pass
            else:
                time.sleep(POLL)
            self._submit(self._look())

    def _submit(self, threads):
        """Hand the next fits to the scheduler while fewer than 2 per worker thread (2 with no
        worker) and less than IN_FLIGHT_BYTES of data are waiting or running there."""
        running = [i for i, future in self.futures.items() if not future.done()]
        data = sum(self.sizes[i] for i in running)
        with warnings.catch_warnings():
            # each fit carries its data on purpose: data scattered ahead would be lost with
            # the worker that holds it
            warnings.filterwarnings("ignore", message="Sending large graph")
            while (self.submitted < len(self.calls) and len(running) < max(2, 2 * threads)
                   and (not running or data + self.sizes[self.submitted] <= IN_FLIGHT_BYTES)):
                index = self.submitted
                self.futures[index] = self.cluster.client.submit(
                    _fit_with_threads, *self.calls[index], pure=False, retries=RETRIES)
                running.append(index)
                data += self.sizes[index]
                self.submitted += 1

    def _lost_scheduler(self):
        return ValueError(f"lost the connection to the Dask scheduler at {self.cluster.address} "
                          f"after {self.returned} of {len(self.calls)} fits: check that it still "
                          "runs, and run the command again")

    def _look(self):
        """The cluster's worker threads now.  Warns of lost workers and of a cluster without
        any; raises NoWorkerError once there has been none for ``worker_timeout`` seconds."""
        cluster = self.cluster
        if cluster.client.status != "running":  # the scheduler's fits are lost with it
            raise self._lost_scheduler()
        try:
            nthreads = cluster.client.nthreads()
        except (OSError, TimeoutError):
            raise self._lost_scheduler() from None
        lost = self.workers - set(nthreads)
        self.workers = set(nthreads)
        if lost and nthreads:
            warnings.warn(f"{len(lost)} Dask worker(s) lost ({', '.join(sorted(lost))}): the "
                          f"fits they held run again on the {len(nthreads)} left")
        if nthreads:
            self.idle_since = None
            return sum(nthreads.values())
        if self.idle_since is None:
            self.idle_since = time.monotonic()
            warnings.warn(f"no Dask worker at {cluster.address}: waiting up to "
                          f"{cluster.worker_timeout:g} s for one to join (--worker-timeout)")
        elif time.monotonic() - self.idle_since >= cluster.worker_timeout:
            raise NoWorkerError(
                f"no Dask worker at {cluster.address} for {cluster.worker_timeout:g} s, "
                f"{self.returned} of {len(self.calls)} fits done: start workers with "
                f"`dask worker {cluster.address}` and run again, or run without --scheduler")
        return 0


@contextlib.contextmanager
def cluster(scheduler=None, worker_timeout=None):
    """Within the block ``map_fits`` sends its fits to the Dask scheduler at ``scheduler`` (None:
    no-op), and waits at most ``worker_timeout`` seconds (None: ``WORKER_TIMEOUT``) whenever the
    cluster has no worker.  Only ``map_fits`` goes there: other work (scikit-learn's own
    ``n_jobs``, joblib's backends) stays where it was."""
    if scheduler is None:
        if worker_timeout is not None:
            raise ValueError("--worker-timeout is how long a --scheduler run waits for Dask "
                             "workers: give --scheduler too, or leave --worker-timeout out")
        yield None
        return
    worker_timeout = WORKER_TIMEOUT if worker_timeout is None else worker_timeout
    if not worker_timeout > 0:
        raise ValueError(f"worker_timeout={worker_timeout} is invalid: give seconds > 0")
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
    for name in ("distributed.batched", "distributed.client"):
        logger = logging.getLogger(name)
        if _drop_lost_scheduler not in logger.filters:  # the run's own error says it
            logger.addFilter(_drop_lost_scheduler)
    token = _CLUSTER.set(_Cluster(client, scheduler, worker_timeout))
    failed = True
    try:
        yield client
        failed = False
    except ModuleNotFoundError as error:  # raised on a worker, passed on by Dask
        if (error.name or "").split(".")[0] != "nnfit":
            raise
        raise ValueError(f"the Dask workers at {scheduler} cannot import {error.name}: "
                         "install nnfit (this version) on every worker machine") from None
    finally:
        _CLUSTER.reset(token)
        _close(client, quiet=failed)


def _close(client, quiet):
    """Close ``client``.  After a failed run, Dask's log record of the cancelled attempt to
    reach a lost scheduler (a traceback of ``CancelledError``, written as the client closes or
    as Python exits) is left out: the run's own error has said what happened, in one line."""
    if quiet:
        logger = logging.getLogger("distributed.client")
        if _drop_cancelled_reconnect not in logger.filters:
            logger.addFilter(_drop_cancelled_reconnect)
    client.close()


def _drop_lost_scheduler(record):
    """Dask's records of a scheduler that went away: the closed connection (with a traceback)
    and giving up after its 10 s of tries (before the run has said so itself)."""
    return not record.getMessage().startswith(("Batched Comm Closed",
                                                "Failed to reconnect to scheduler"))


def _drop_cancelled_reconnect(record):
    return not (record.exc_info and record.exc_info[0] is not None
                and issubclass(record.exc_info[0], asyncio.CancelledError))


def describe(n_jobs, threads, scheduler=None):
    """A JSON-ready record of where the fits ran."""
    return {"jobs": n_jobs, "blas_threads": threads, "scheduler": scheduler}
