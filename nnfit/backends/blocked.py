"""Matrix products whose bits do not depend on the number of threads, with threads that sleep
while they wait: the products of a fit with the threads "adaptive" (``engine.dense``,
``engine.stages``; ``threads``).

C = A B (A: m x k, B: k x n) is cut into a fixed partition of C, chosen from (m, k, n) and
nothing else (``plan``): row blocks C[i:i+s] = A[i:i+s] B when m >= n, else column blocks
C[:, j:j+s] = A B[:, j:j+s] (the operand that is read whole, and packed again for every block,
is the smaller one).  Each block is one call of single-threaded BLAS, so C's bits are those of
the same calls whatever the thread that makes them and however many threads share them: 1, 2
or 16 workers, a count that follows the load ("adaptive"), all give the same fit.  A product
under ``SPLIT_WORK`` multiply-adds is one call (cutting it costs more than it saves), and
``products`` hands independent products to the workers together (a layer's dW and dX): each
hand-over costs tens of microseconds while a sleeping thread wakes.

The workers: the calling thread and ``workers - 1`` threads of a process-wide pool.  Each
takes the next block not yet taken until none is left (a late thread finds them done); the
pool's threads wait for work on a ``queue.SimpleQueue`` and the caller for the last block on a
lock, both asleep in the kernel (futex) rather than spinning, so on a busy machine a thread
that waits leaves its core to the threads that have work (OpenBLAS's own threads spin).
NumPy releases the GIL in ``matmul``, so the blocks run side by side.

``use(workers)`` sets the workers of this thread's products (``threads.FitThreads`` does for
"adaptive", with BLAS held at one thread); without it ``matmul`` is NumPy's, on BLAS's threads.
The cost: each hand-over wakes a sleeping thread (20-40 µs one way on a 2-core virtual machine)
and each block packs its shared operand again, so on a quiet machine OpenBLAS's own threads,
which spin, are faster; beside busy processes, which take the cores those spinning threads wait
for, the blocks are far faster (bench/README.md, bench/loaded.py).
"""
import functools
import itertools
import os
import queue
import threading

import numpy as np

SPLIT_WORK = 2**23  # multiply-adds (m k n) below which a product is one BLAS call
BLOCK_WORK = 2**22  # multiply-adds a block aims at, at least
MAX_BLOCKS = 16  # blocks of one product, at most
ALIGN = 16  # block edges at multiples of this many rows or columns

_local = threading.local()  # .workers: the workers of this thread's products (0: NumPy's)


@functools.lru_cache(maxsize=256)
def plan(m, k, n):
    """(axis, size): C's rows (axis 0) or columns (1) in blocks of ``size``, the last one
    shorter; None for one call.  Depends on the shape alone, never on threads or load."""
    work = m * k * n
    if work < SPLIT_WORK:
        return None
    axis, length = (0, m) if m >= n else (1, n)
    blocks = 2  # a power of 2, as many as BLOCK_WORK and ALIGN allow
    while blocks < MAX_BLOCKS and work >= 2 * blocks * BLOCK_WORK and length >= 2 * blocks * ALIGN:
        blocks *= 2
    size = -(-length // (blocks * ALIGN)) * ALIGN  # ceil(length / blocks), up to ALIGN
    return None if size >= length else (axis, size)


def blocks(a, b, out, axis, size):
    """The (a, b, out) triples of the partition: each is ``np.matmul(a, b, out=out)``."""
    if axis == 0:
        return [(a[i:i + size], b, out[i:i + size]) for i in range(0, a.shape[0], size)]
    return [(a, b[:, j:j + size], out[:, j:j + size]) for j in range(0, b.shape[1], size)]


def matmul(a, b, out=None):
    """``np.matmul(a, b, out=out)``; inside ``use(workers)``, for 2-D arrays of one float type,
    in the blocks of ``plan`` on ``workers`` threads (the bits of any worker count).  ``out``
    must not overlap ``a`` or ``b``."""
    if not getattr(_local, "workers", 0):
        return np.matmul(a, b, out=out)
    return products((a, b, out))[0]


def _fits(a, b, out):
    """Whether the blocks take a @ b into ``out``: 2-D arrays of one float type that agree."""
    return (type(a) is np.ndarray and type(b) is np.ndarray and a.ndim == 2 and b.ndim == 2
            and a.dtype == b.dtype and a.dtype.char in "fd" and a.shape[1] == b.shape[0]
            and (out is None or (type(out) is np.ndarray and out.dtype == a.dtype
                                 and out.shape == (a.shape[0], b.shape[1]))))


def products(*triples):
    """``[np.matmul(a, b, out=out) for a, b, out in triples]`` for independent products (no
    ``out`` overlapping another's operands), their blocks shared by the workers at once: one
    hand-over for all, e.g. a layer's dW = X^T dZ and dX = dZ W^T.  A product the blocks do not
    take (another type, shapes that do not agree: NumPy's error) is NumPy's, first."""
    workers = getattr(_local, "workers", 0)
    results, parts, work = [], [], 0
    for a, b, out in triples:
        if not workers or not _fits(a, b, out):
            results.append(np.matmul(a, b, out=out))
            continue
        if out is None:
            out = np.empty((a.shape[0], b.shape[1]), dtype=a.dtype)
        chosen = plan(a.shape[0], a.shape[1], b.shape[1])
        parts += [(a, b, out)] if chosen is None else blocks(a, b, out, *chosen)
        work += a.shape[0] * a.shape[1] * b.shape[1]
        results.append(out)
    if workers == 1 or len(parts) == 1 or work < SPLIT_WORK:
        for a, b, out in parts:
            np.matmul(a, b, out=out)
    elif parts:
        _Product(parts).run(workers - 1)
    return results


class _Product:
    """One product's blocks, taken one by one by whichever worker is free."""

    __slots__ = ("parts", "take", "left", "lock", "done", "error")

    def __init__(self, parts):
        self.parts, self.take, self.left = parts, itertools.count().__next__, len(parts)
        self.lock, self.done, self.error = threading.Lock(), threading.Lock(), None
        self.done.acquire()  # released by whoever finishes the last block

    def run(self, helpers):
        """Offer the blocks to ``helpers`` pool threads, take blocks here too, wait for all."""
        pool = _pool(helpers)
        for _ in range(min(helpers, len(self.parts) - 1)):
            pool.put(self)
        self.work()
        self.done.acquire()  # asleep until the last block is written
        if self.error is not None:
            raise self.error

    def work(self):
        count = len(self.parts)
        while True:
            with self.lock:
                index = self.take()
            if index >= count:
                return
            a, b, out = self.parts[index]
            try:
                np.matmul(a, b, out=out)
            except BaseException as error:  # noqa: BLE001 (raised again in the caller)
                self.error = error
            with self.lock:
                self.left -= 1
                last = self.left == 0
            if last:
                self.done.release()


_tasks = None  # the pool's queue of products (None: no pool in this process yet)
_threads = []  # the pool's threads
_grow = threading.Lock()


def _serve(tasks):
    while True:
        tasks.get().work()


def _pool(helpers):
    """The pool's queue, with at least ``helpers`` threads serving it (started on demand)."""
    global _tasks
    if _tasks is None or len(_threads) < helpers:
        with _grow:
            if _tasks is None:
                _tasks = queue.SimpleQueue()
            while len(_threads) < helpers:
                thread = threading.Thread(target=_serve, args=(_tasks,), daemon=True,
                                          name=f"nnfit-blocks-{len(_threads) + 1}")
                thread.start()
                _threads.append(thread)
    return _tasks


def _forget_pool():
    """In a forked child the pool's threads are gone: start afresh."""
    global _tasks, _grow
    _tasks, _grow = None, threading.Lock()
    _threads.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def workers():
    """The workers of this thread's products now (0: NumPy's ``matmul``, BLAS's threads)."""
    return getattr(_local, "workers", 0)


def set_workers(count):
    """Set this thread's workers (``use`` sets them for a block; ``FitThreads`` changes them
    as the load changes: the bits stay)."""
    _local.workers = int(count)


class use:
    """``with use(workers):`` this thread's products in ``plan``'s blocks on ``workers``
    threads (>= 1) until the block ends, then as before.  ``close()`` ends it too."""

    def __init__(self, count):
        self._before = workers()
        set_workers(max(1, int(count)))

    def close(self):
        set_workers(self._before)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
