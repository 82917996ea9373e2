"""Could a compiled pool give "adaptive" the quiet speed of "auto"? (issue 27)

    python bench/gil_free_blocks.py             # 500 calls of each product, 2 rounds
    python bench/gil_free_blocks.py --calls 50  # a quick look

"adaptive"'s blocks (``nnfit.backends.blocked``) are handed to Python threads, which sleep
while they wait: each hand-over wakes one (20-40 us on a 2-core virtual machine) and the GIL
forbids a Python thread to spin for its next block.  A pool that spins a moment and then
sleeps needs compiled threads that call BLAS without the GIL: numba's (OpenMP or TBB) threads
can, but the only BLAS they reach through a public API is SciPy's (``scipy.linalg.cython_blas``,
``numba.extending.get_cython_function_address``), a build of its own, not NumPy's.

For each matrix product of one step of bench/epoch.py's MNIST network (batch 128) this prints
the 10th percentile of ``--calls`` calls, in microseconds: NumPy's ``matmul`` on its BLAS's
threads (the usable cores: "auto") and on one thread; the same product as one call of SciPy's
BLAS; and the product cut into as many column (or row) blocks as there are usable cores, each
one call of SciPy's single-threaded BLAS, on numba's threads.  The last column is what a
compiled "adaptive" would pay; the sums are a step's products.
"""
import argparse
import ctypes
import os
import platform
import sys
import time

import numba
import numpy as np
from numba.extending import get_cython_function_address
from threadpoolctl import threadpool_info, threadpool_limits

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from nnfit.backends.cores import usable_cores  # noqa: E402

_GEMM = ctypes.CFUNCTYPE(None, *[ctypes.c_ssize_t] * 13)  # Fortran: every argument an address
SGEMM = _GEMM(get_cython_function_address("scipy.linalg.cython_blas", "sgemm"))


@numba.njit(nogil=True, parallel=True)
def run(gemm, table, one_zero):
    """Row i of ``table``: (transb, transa, n, m, k, B, ldb, A, lda, C, ldc) for the row-major
    C = A B, i.e. the column-major C^T = B^T A^T; one row per iteration of numba's threads."""
    letters = np.array([ord("N"), ord("T")], np.uint8)
    for i in numba.prange(table.shape[0]):
        row = table[i]
        sizes = np.empty(6, np.int32)
        sizes[0], sizes[1], sizes[2] = row[2], row[3], row[4]
        sizes[3], sizes[4], sizes[5] = row[6], row[8], row[10]
        at, ints, scalars = letters.ctypes.data, sizes.ctypes.data, one_zero.ctypes.data
        gemm(at + row[0], at + row[1], ints, ints + 4, ints + 8, scalars, row[5], ints + 12,
             row[7], ints + 16, scalars + 4, row[9], ints + 20)


def layout(x):
    """(0 for rows contiguous or 1 for columns contiguous, leading dimension)."""
    if x.strides[1] == x.itemsize:
        return 0, x.strides[0] // x.itemsize
    return 1, x.strides[1] // x.itemsize


def table_of(a, b, out, blocks):
    """The rows of ``run`` for ``blocks`` column blocks of out = a @ b (row blocks if taller)."""
    (m, k), n = a.shape, b.shape[1]
    rows = []
    axis_rows = m > n
    size = -(-(m if axis_rows else n) // blocks)
    for start in range(0, m if axis_rows else n, size):
        if axis_rows:
            pa, pb, pc = a[start:start + size], b, out[start:start + size]
        else:
            pa, pb, pc = a, b[:, start:start + size], out[:, start:start + size]
        (ta, lda), (tb, ldb) = layout(pa), layout(pb)
        rows.append((tb, ta, pb.shape[1], pa.shape[0], k, pb.ctypes.data, ldb, pa.ctypes.data,
                     lda, pc.ctypes.data, pc.strides[0] // pc.itemsize))
    return np.array(rows, np.intp)


def p10(call, calls):
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return float(np.percentile(times, 10)) * 1e6


def step_products(rng):
    """(name, a, b) of one step: forward X W for 3 layers, dW = A^T dZ, dX = dZ W^T."""
    def r(*shape):
        return rng.standard_normal(shape).astype(np.float32)
    X, W1, W2, W3 = r(128, 784), r(784, 256), r(256, 128), r(128, 10)
    A1, A2, dZ1, dZ2, dZ3 = r(128, 256), r(128, 128), r(128, 256), r(128, 128), r(128, 10)
    return [("X W1", X, W1), ("A1 W2", A1, W2), ("A2 W3", A2, W3), ("dW1 = X^T dZ1", X.T, dZ1),
            ("dW2 = A1^T dZ2", A1.T, dZ2), ("dX2 = dZ2 W2^T", dZ2, W2.T),
            ("dW3 = A2^T dZ3", A2.T, dZ3), ("dX3 = dZ3 W3^T", dZ3, W3.T)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    cores = usable_cores()
    one_zero = np.array([1, 0], np.float32)
    run(SGEMM, np.zeros((0, 11), np.intp), one_zero)  # compile
    blas = "; ".join(f"{p['prefix']} {p['version']} {p.get('architecture')} ({p['filepath']})"
                     for p in threadpool_info() if p["user_api"] == "blas")
    print(f"{platform.processor() or platform.machine()}, {cores} usable cores, numba "
          f"{numba.__version__} ({numba.threading_layer()} threads)\nBLAS: {blas}")
    columns = ("numpy auto", "numpy 1", "scipy 1 call", f"scipy {cores} blocks")
    best = {}
    for _ in range(args.rounds):
        for name, a, b in step_products(np.random.default_rng(0)):
            out = np.empty((a.shape[0], b.shape[1]), np.float32)
            whole, cut = table_of(a, b, out, 1), table_of(a, b, out, cores)
            with threadpool_limits(cores, user_api="blas"):
                auto = p10(lambda: np.matmul(a, b, out=out), args.calls)
            with threadpool_limits(1, user_api="blas"):
                single = p10(lambda: np.matmul(a, b, out=out), args.calls)
                numba.set_num_threads(1)
                scipy_one = p10(lambda: run(SGEMM, whole, one_zero), args.calls)
                numba.set_num_threads(min(cores, numba.config.NUMBA_NUM_THREADS))
                blocks = p10(lambda: run(SGEMM, cut, one_zero), args.calls)
                expected = a.astype(np.float64) @ b.astype(np.float64)
                assert np.allclose(out, expected, rtol=1e-4, atol=1e-3), name
            times = (auto, single, scipy_one, blocks)
            best[name] = [min(x, y) for x, y in zip(best.get(name, times), times)]
    print(f"\n{'product (m k n)':32s}" + "".join(f"{c:>16s}" for c in columns))
    for (name, a, b), times in zip(step_products(np.random.default_rng(0)), best.values()):
        shape = f"{name} ({a.shape[0]} {a.shape[1]} {b.shape[1]})"
        print(f"{shape:32s}" + "".join(f"{t:16.0f}" for t in times))
    sums = [sum(times[i] for times in best.values()) for i in range(4)]
    print(f"{'a step':32s}" + "".join(f"{t:16.0f}" for t in sums))
    print(f"(us, 10th percentile of {args.calls} calls, best of {args.rounds} rounds)\n"
          f"SciPy's BLAS / NumPy's, one thread: {sums[2] / sums[1]:.2f}; compiled blocks / "
          f"numpy auto: {sums[3] / sums[0]:.2f}")


if __name__ == "__main__":
    main()
