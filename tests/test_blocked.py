"""nnfit.backends.blocked: products cut into blocks fixed by their shapes, shared by threads
that sleep while they wait; an "adaptive" fit's bits are the same whatever the thread count
and its changes, which OpenBLAS's own threads do not give past about 400 inputs.
Nothing here times anything."""
import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from nnfit import MLPClassifier
from nnfit.backends import blocked, threads


pytestmark = pytest.mark.usefixtures("clean_threads")


@pytest.mark.parametrize("shape, expected", [
    ((128, 784, 256), (1, 64)),   # MNIST's first layer: 4 column blocks (A read whole)
    ((784, 128, 256), (0, 208)),  # its dW = X^T dZ: 4 row blocks (dZ read whole)
    ((128, 256, 128), None),      # the second layer: one call (under SPLIT_WORK)
    ((256, 256, 256), (0, 64)),
    ((96, 784, 256), (1, 64)),    # the epoch's last, shorter batch
    ((128, 128, 10), None),       # the output layer: one call
    ((10_000, 784, 256), (0, 640)),  # a large product: MAX_BLOCKS blocks
])
def test_the_partition_follows_the_shape(shape, expected):
    assert blocked.plan(*shape) == expected
    m, k, n = shape
    if expected is not None:
        axis, size = expected
        length = (m, n)[axis]
        assert size % blocked.ALIGN == 0 and 2 <= -(-length // size) <= blocked.MAX_BLOCKS


def operands(m, k, n, dtype, transposed=False, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(k, m) if transposed else (m, k)).astype(dtype)
    return (a.T if transposed else a), rng.normal(size=(k, n)).astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("m, k, n, transposed", [(128, 784, 256, False), (784, 128, 256, True),
                                                  (300, 600, 90, False)])
def test_the_same_bits_on_any_number_of_workers(dtype, m, k, n, transposed):
    a, b = operands(m, k, n, dtype, transposed)
    assert blocked.plan(m, k, n) is not None
    with threadpool_limits(limits=1, user_api="blas"):
        axis, size = blocked.plan(m, k, n)
        expected = np.empty((m, n), dtype)  # block by block, one thread, by hand
        for x, y, out in blocked.blocks(a, b, expected, axis, size):
            out[...] = x @ y
        results = []
        for workers in (1, 2, 3, 5):
            with blocked.use(workers):
                assert blocked.workers() == workers
                results.append(blocked.matmul(a, b))
                out = np.full((m, n), np.nan, dtype)
                assert blocked.matmul(a, b, out=out) is out
                results.append(out)
        assert blocked.workers() == 0
    for result in results:
        assert result.dtype == dtype and result.flags.c_contiguous
        np.testing.assert_array_equal(result, expected)
    np.testing.assert_allclose(results[0], a.astype(float) @ b.astype(float),
                               rtol=1e-4 if dtype == "float32" else 1e-12, atol=1e-3)


def test_independent_products_are_shared_at_once_with_the_same_bits():
    """A layer's dW = X^T dZ and dX = dZ W^T handed over together: each block is the call it
    would be alone; a product the blocks do not take is NumPy's."""
    X, W = operands(128, 256, 128, "float32")
    dZ = operands(128, 128, 1, "float32", seed=1)[0]
    big, b = operands(128, 784, 256, "float32", seed=2)
    with threadpool_limits(limits=1, user_api="blas"):
        with blocked.use(1):
            alone = [blocked.matmul(X.T, dZ), blocked.matmul(dZ, W.T), blocked.matmul(big, b)]
        for workers in (1, 2, 3):
            dW = np.empty((256, 128), "float32")
            with blocked.use(workers):
                out = blocked.products((X.T, dZ, dW), (dZ, W.T, None), (big, b, None),
                                       (np.ones((2, 2), int), np.ones((2, 2), int), None))
            assert out[0] is dW and out[3].dtype == int and out[3].sum() == 8
            for result, expected in zip(out, alone):
                np.testing.assert_array_equal(result, expected)


def test_what_it_does_not_cut_is_numpys_matmul():
    a, b = operands(128, 784, 256, "float32")
    with blocked.use(2):
        np.testing.assert_array_equal(blocked.matmul(a[:4], b), np.matmul(a[:4], b))  # small
        mixed = blocked.matmul(a.astype("float64"), b)  # another dtype: NumPy's promotion
        assert mixed.dtype == np.float64
        with pytest.raises(ValueError, match="matmul"):  # NumPy's own error messages
            blocked.matmul(a, b[:100])
        with pytest.raises(ValueError):
            blocked.matmul(a, b, out=np.empty((128, 255), "float32"))


def test_an_error_in_a_block_reaches_the_caller(monkeypatch):
    a, b = operands(128, 784, 256, "float32")
    calls = []
    real = np.matmul

    def failing(x, y, out=None):
        calls.append(x.shape)
        if len(calls) == 3:
            raise MemoryError("no room for the block")
        return real(x, y, out=out)
    monkeypatch.setattr(blocked.np, "matmul", failing)
    with blocked.use(2), pytest.raises(MemoryError, match="no room"):
        blocked.matmul(a, b)
    assert len(calls) == 4  # every block was still taken: nothing is left running


def digits(rows=600, columns=784, seed=0):
    """MNIST-like rows: 784 inputs (past the 400 where OpenBLAS's threads change the bits)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, rows)
    X = rng.random((rows, columns), dtype=np.float32) * 0.5
    X[np.arange(rows), y * 70] += 1.0
    return X, y


def fitted(X, y, **params):
    model = MLPClassifier((256, 128), dropout=(0.4, 0.3), optimizer="rmsprop", batch_size=128,
                          epochs=2, validation_fraction=0, early_stopping=False,
                          standardize=False, random_state=0, **params)
    return model.fit(X, y)


def weights(model):
    return [w.copy() for w in model.coefs_ + model.intercepts_]


def test_an_adaptive_fit_has_the_same_bits_on_1_2_or_3_threads_and_when_they_change(
        monkeypatch):
    X, y = digits()
    monkeypatch.setattr(threads.FitThreads, "__call__", lambda self: None)  # no looks
    fits, seen = {}, []
    for count in (1, 2, 3):
        monkeypatch.setattr(threads.FitThreads, "_first", lambda self, w=count: w)
        monkeypatch.setattr(threads, "_usable", lambda cpus=None: 4)
        with threads.set_threads("adaptive"):
            fits[count] = weights(fitted(X, y, callbacks=[
                lambda record: seen.append((blocked.workers(), threads.blas_threads()))]))
    assert seen == [(1, 1)] * 2 + [(2, 1)] * 2 + [(3, 1)] * 2  # BLAS on one thread in a fit
    steps = []

    def switching(self):  # "adaptive" at its wildest: another count at every step
        steps.append(None)
        blocked.set_workers(1 + len(steps) % 3)
    monkeypatch.setattr(threads.FitThreads, "__call__", switching)
    with threads.set_threads("adaptive"):
        fits["switching"] = weights(fitted(X, y))
    assert len(steps) == 2 * 5  # 600 rows: 5 steps an epoch
    for name, fit in fits.items():
        for w, w1 in zip(fit, fits[1]):
            np.testing.assert_array_equal(w, w1, err_msg=f"threads {name}")
    assert blocked.workers() == 0


def test_the_fits_products_are_cut(monkeypatch):
    """The first layer's products (784 inputs, 256 units) go through the blocks: the test above
    would hold trivially if nothing were cut."""
    X, y = digits()
    cut = []
    real = blocked.blocks
    monkeypatch.setattr(blocked, "blocks", lambda *args: cut.append(args[3:]) or real(*args))
    with threads.set_threads("adaptive"):
        fitted(X, y)
    # each step: X W1 and dW1 = X^T dZ1 (the second layer's 128 x 256 x 128: one call each)
    assert set(cut) == {(1, 64), (0, 208)} and len(cut) == 2 * 5 * 2  # 2 epochs of 5 steps
