"""How many threads a fit computes its matrix products on: the cores this process may run on
("auto", the default), or, with "adaptive", fewer while other programs keep those cores busy.

- "auto": NumPy's BLAS on ``cores.usable_cores()`` threads, min(the CPUs of the affinity mask,
  the cgroup CPU quota rounded down: ``cpu.max`` (v2) or ``cfs_quota_us / cfs_period_us`` (v1)
  up the hierarchy), never more than an enclosing ``threadpoolctl.threadpool_limits``.
- A whole number: BLAS on that many threads, always.  With either, a product whose inner
  dimension exceeds about 400 gets other last bits with another count (OpenBLAS), the same on
  every run with the same count.
- "adaptive": BLAS on one thread, each large product cut into blocks fixed by its shape and
  shared by the fit's threads, which sleep while they wait (``blocked``); as many threads as
  cores other processes left free, looked at every ``INTERVAL`` seconds (``/proc/stat`` less
  this process's own CPU time; at the start the running threads of ``/proc/loadavg``), at least
  1, at most "auto"'s; lower at once, higher after two looks that agree.  The bits are those of
  the blocks whatever the count, so a fit does not depend on the load.  Beside busy processes it
  is 2 to 20 times faster than "auto", whose OpenBLAS threads spin while they wait for a core;
  on a quiet machine it is slower (a hand-over wakes a sleeping thread): ``bench/loaded.py``.

``set_threads`` (Python), ``NNFIT_THREADS`` (the environment) and ``--threads`` (the command
line) choose; the default is ``DEFAULT``.  numba's kernels are serial, so no second pool competes.
"""
import contextlib
import math
import os
import time

from threadpoolctl import ThreadpoolController

from . import blocked, cores

ENV = "NNFIT_THREADS"
MODES = ("auto", "adaptive")
DEFAULT = "auto"  # a fit's setting unless set_threads or NNFIT_THREADS says otherwise
INTERVAL = 0.25  # seconds between looks at the load during a fit
REMEMBER = 5.0  # a look up to this old still starts the next fit's window (fits in a row)
QUOTA_AGE = 10.0  # seconds a reading of the cgroup quota is used before it is read again

_chosen = None  # set_threads's setting (a count, "auto" or "adaptive"), None: none
_controller = None  # _blas()'s
_quota = None  # (_now(), cgroup quota in cores or inf) of the latest reading
_last = None  # (_now(), busy, total, own CPU s, threads chosen) of the latest look
_now, _cpu_seconds = time.monotonic, time.process_time  # (tests replace them)


def parse_threads(value, source="threads"):
    """``value`` as a thread setting: a whole number >= 1, "auto", "adaptive" (``MODES``), or
    None when there is none (also from "").  ``source`` names it in the error message."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str) and value.strip().lower() in MODES:
        return value.strip().lower()
    wanted = ("give a whole number >= 1, 'auto' (the cores this process may use) or 'adaptive' "
              "(fewer while other programs keep them busy)")
    if isinstance(value, bool):
        raise TypeError(f"{source}={value!r} is not a number of threads: {wanted}")
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise ValueError(f"{source}={value!r} is not a number of threads: {wanted}") from None
    elif not isinstance(value, int):
        try:
            value = int(value.__index__())
        except (AttributeError, TypeError):
            raise TypeError(f"{source}={value!r} is not a number of threads: {wanted}") from None
    if value < 1:
        raise ValueError(f"{source}={value} is invalid: {wanted}")
    return value


def env_threads(environ=None):
    """The setting of the environment variable ``NNFIT_THREADS`` (a count, "auto" or
    "adaptive"), None when unset or empty; a ValueError for anything else."""
    environ = os.environ if environ is None else environ
    return parse_threads(environ.get(ENV), ENV)


def setting():
    """The setting fits use now: ``set_threads``'s, else ``NNFIT_THREADS``, else ``DEFAULT``."""
    return _chosen or env_threads() or DEFAULT


def _usable(cpus=None):
    """``usable_cores`` with the quota read at most every ``QUOTA_AGE`` seconds (a fit starts
    with it; reading the cgroup's files takes some 0.1 ms, a small fit a few ms)."""
    global _quota
    now = _now()
    if _quota is None or now - _quota[0] > QUOTA_AGE:
        limit = cores.cgroup_cpu_limit()
        _quota = (now, math.inf if limit is None else limit)
    return cores.usable_cores(cpus, _quota[1])


def default_threads():
    """The threads a fit starts with on a quiet machine: the count set, else the usable cores."""
    chosen = setting()
    return chosen if isinstance(chosen, int) else _usable()


def _blas():
    """threadpoolctl's controller of the BLAS libraries loaded, made once (finding the loaded
    libraries takes milliseconds, too long for every fit); NumPy's BLAS is loaded before nnfit
    runs anything, and a BLAS loaded later (PyTorch's) is not the one a fit on NumPy uses."""
    global _controller
    if _controller is None or not _controller.info():
        _controller = ThreadpoolController().select(user_api="blas")
    return _controller


def blas_threads():
    """The BLAS libraries' current thread count as threadpoolctl reports it (the smallest, if
    several are loaded); None when no BLAS is loaded."""
    counts = [info["num_threads"] for info in _blas().info()]
    return min(counts) if counts else None


class _Setting:
    """``set_threads``'s result: the count stays after a plain call; used in a ``with`` block
    it is undone at the block's end."""

    def __init__(self, threads):
        global _chosen
        self.threads, self._before = threads, _chosen
        _chosen = threads
        try:
            self._limiter = _blas().limit(limits=default_threads(), user_api="blas")
        except Exception:  # a bad NNFIT_THREADS: nothing changes
            _chosen = self._before
            raise

    def restore(self):
        """Undo: the previous choice and the BLAS libraries' previous thread counts."""
        global _chosen
        _chosen = self._before
        self._limiter.restore_original_limits()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.restore()

    def __repr__(self):
        return f"set_threads({self.threads!r})"


def set_threads(threads):
    """Set the threads of nnfit's fits, and NumPy's BLAS to that count now (for prediction).

    Parameters
    ----------
    threads : int, "auto", "adaptive" or None
        A whole number >= 1: BLAS on that many threads, always.  "auto", the default: the
        cores this process may use (affinity mask, cgroup CPU quota), no more than an enclosing
        ``threadpoolctl.threadpool_limits``; a fit repeats bit for bit with the same count.
        "adaptive": the products cut into blocks fixed by their shapes (``backends.blocked``)
        on as many threads as "auto", fewer while other programs keep those cores busy (looked
        at every 0.25 s): far faster on a busy machine, slower on a quiet one, and the same
        bits whatever the load (those of the blocks, not of "auto").  None: back to
        ``NNFIT_THREADS`` or the default.  Overrides ``NNFIT_THREADS`` (the same values).

    Returns
    -------
    setting
        The setting stays after a plain call; in a ``with`` block it is undone at the block's
        end (so is it by its ``restore()``), with NumPy's BLAS threads as they were.

    Examples
    --------
    >>> import nnfit
    >>> from threadpoolctl import threadpool_info
    >>> with nnfit.set_threads(1):
    ...     min(pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas")
    1
    """
    return _Setting(parse_threads(threads))


def choose(free, ceiling):
    """Threads for ``free`` idle cores' worth: rounded, between 1 and ``ceiling``."""
    return max(1, min(ceiling, math.floor(free + 0.5)))


class FitThreads:
    """The threads of one fit.  ``fit_threads()`` makes one; call it at every step (with the
    setting "adaptive" it looks at the load every ``INTERVAL`` seconds, otherwise it does
    nothing) and ``close()`` it at the end, which gives BLAS back its thread count.

    ``history`` lists (seconds into the fit, threads) at the start and at each change."""

    def __init__(self, threads=None):
        self.setting = parse_threads(threads) or setting()
        controller = _blas()
        counts = [info["num_threads"] for info in controller.info()]
        self._started, self._next, self._rise = _now(), math.inf, None
        self._cpus, self.history, self._limiter = None, [], None
        if isinstance(self.setting, int):
            self.ceiling = self.threads = self.setting
        else:  # at most what an enclosing threadpool_limits allows
            self._cpus = cores.affinity_cpus()
            self.ceiling = self.threads = min([_usable(len(self._cpus)), *counts])
            if self.setting == "adaptive" and self.ceiling > 1:
                self.threads = self._first()
                self._next = self._started + INTERVAL
        blocks = self.setting == "adaptive"
        if counts:  # "adaptive": BLAS on one thread, the blocks on self.threads
            self._limiter = controller.limit(limits=1 if blocks else self.threads, user_api="blas")
        self._blocks = blocked.use(self.threads) if blocks else None
        self.history.append((0.0, self.threads))

    def _first(self):
        """The first count: what the other processes' threads running now leave, or fewer if
        the load since the latest look, when it is recent (fits in a row), left fewer."""
        now, last = self._started, _last
        others = cores.other_runnable(self._cpus)
        threads = self.ceiling if others is None else choose(len(self._cpus) - others,
                                                             self.ceiling)
        if last is not None and now - last[0] <= REMEMBER:
            if now - last[0] < INTERVAL:
                return min(threads, last[4])
            looked = self._look(now)
            return min(threads, last[4] if looked is None else looked)
        _mark(now, self._cpus, threads)
        return threads

    def _look(self, now):
        """Threads for the load since the latest look (None without one): the CPUs' busy time
        less this process's CPU time is the other programs' share."""
        before = _last
        after = _mark(now, self._cpus, self.threads)
        if before is None or after is None or after[2] <= before[2] or after[0] <= before[0]:
            return None
        busy = len(self._cpus) * (after[1] - before[1]) / (after[2] - before[2])
        own = (after[3] - before[3]) / (after[0] - before[0])
        threads = choose(len(self._cpus) - max(0.0, busy - own), self.ceiling)
        _mark(now, None, threads, after)
        return threads

    def __call__(self):
        now = _now()
        if now < self._next:
            return
        self._next = now + INTERVAL
        wanted = self._look(now)
        if wanted is None or wanted == self.threads:
            self._rise = None
            return
        if wanted > self.threads and self._rise != wanted:  # up only after two looks agree
            self._rise = wanted
            return
        self._rise = None
        self.threads = wanted
        blocked.set_workers(wanted)  # "adaptive": the bits stay, the blocks are the shape's
        self.history.append((round(now - self._started, 3), wanted))

    def close(self):
        if self._blocks is not None:
            self._blocks.close()
            self._blocks = None
        if self._limiter is not None:
            self._limiter.restore_original_limits()
            self._limiter = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _mark(now, cpus, threads, sample=None):
    """Record a look (the CPUs' jiffies, this process's CPU seconds) as ``_last`` and return
    it; None, and no record, where ``/proc/stat`` cannot be read."""
    global _last
    if sample is None:
        jiffies = cores.cpu_jiffies(cpus)
        if jiffies is None:
            _last = None
            return None
        sample = (now, *jiffies, _cpu_seconds())
    _last = (*sample[:4], threads)
    return _last


def fit_threads(threads=None):
    """The threads of a fit, as a ``FitThreads``: ``threads`` if given, else ``setting()``
    (``set_threads``'s, ``NNFIT_THREADS`` or "auto").  Use as ``with fit_threads() as pace:``
    and call ``pace()`` at every step."""
    return FitThreads(threads)


@contextlib.contextmanager
def threads_for(threads):
    """``set_threads(threads)`` for a ``with`` block, None leaving the choice as it is (for
    callers whose option may be unset, such as ``--threads``)."""
    if threads is None:
        yield None
        return
    with set_threads(threads) as setting:
        yield setting
