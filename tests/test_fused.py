"""The compiled one-pass optimizer updates (``nnfit.backends.kernels``, numba) against the NumPy lines."""
import numpy as np
import pytest

from nnfit.backends import kernels as _fused
from nnfit import NumpyBackend
from nnfit import Adam, RMSprop

pytestmark = pytest.mark.skipif(not _fused.KERNELS, reason="numba is not installed")


class NumpyLinesOnly(NumpyBackend):
    def fused(self, name):
        return None


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("optimizer", [RMSprop, Adam])
def test_fused_update_gives_the_same_parameters_as_the_numpy_lines(optimizer, dtype):
    rng = np.random.default_rng(0)
    theta = rng.standard_normal(1001).astype(dtype)
    fused, lines = theta.copy(), theta.copy()
    opt_fused, opt_lines = optimizer(0.01), optimizer(0.01, backend=NumpyLinesOnly())
    assert opt_fused.backend.fused(optimizer.__name__.lower()) is not None
    # a stretch of zero gradients makes the running averages decay into the subnormal range,
    # where the fused loop flushes them to zero; the parameters must not notice
    for step in range(1200):
        g = rng.standard_normal(1001).astype(dtype) if step < 20 or step > 1150 else np.zeros(1001, dtype)
        if step > 1170:  # some blocks of 128 all zero, others not (RMSprop skips the zero ones)
            g[130:700] = 0
        opt_fused.step(fused, g)
        opt_lines.step(lines, g)
    np.testing.assert_array_equal(fused, lines)



@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fused_ridge_gradient_matches_the_numpy_lines(dtype):
    from nnfit import Dense
    from nnfit import Penalty

    rng = np.random.default_rng(1)
    W = rng.standard_normal((30, 20)).astype(dtype)
    tiny = np.finfo(dtype).tiny
    W[0, :5] = [tiny / 4, -tiny / 2, tiny, 0.0, -tiny * 0.99]  # subnormal, normal, zero
    dW = rng.standard_normal((30, 20)).astype(dtype)
    layers, values = {}, []
    for name, backend in (("fused", NumpyBackend()), ("lines", NumpyLinesOnly())):
        layer = layers[name] = Dense(30, 20, backend)
        layer.bind([W.copy(), np.zeros(20, dtype)], [dW.copy(), np.zeros(20, dtype)])
        values.append(Penalty([layer], ridge=0.37).add_gradient())
    fused, lines = layers["fused"], layers["lines"]
    assert fused.backend.fused("ridge") is not None and lines.backend.fused("ridge") is None
    np.testing.assert_array_equal(fused.W, lines.W)
    np.testing.assert_array_equal(fused.dW, lines.dW)
    assert values[0] == values[1]
    assert np.count_nonzero(fused.W[0, :5]) == 1  # only the normal number tiny survived
    np.testing.assert_array_equal(fused.dW[1:], dW[1:] + np.asarray(0.74, dtype) * W[1:])


def test_ridge_gradient_follows_rebound_arrays_and_a_changed_ridge():
    """The penalty keeps each layer's compiled call between steps; new arrays bound to the
    layer (a loaded or copied network) or a new ridge value are used at once."""
    import pickle
    from nnfit import Dense
    from nnfit import Penalty

    rng = np.random.default_rng(2)
    layer = Dense(4, 3, NumpyBackend())
    layer.bind([rng.standard_normal((4, 3)), np.zeros(3)], [np.zeros((4, 3)), np.zeros(3)])
    penalty = Penalty([layer], ridge=0.5)
    penalty.add_gradient()
    np.testing.assert_array_equal(layer.dW, layer.W)  # 2 * 0.5 * W

    W2, dW2 = rng.standard_normal((4, 3)), np.zeros((4, 3))
    old_dW, old_values = layer.dW, layer.dW.copy()
    layer.bind([W2, np.zeros(3)], [dW2, np.zeros(3)])
    penalty.add_gradient()
    np.testing.assert_array_equal(dW2, W2)
    np.testing.assert_array_equal(old_dW, old_values)  # nothing added to the old arrays

    penalty.ridge = [1.5]
    dW2[...] = 0
    penalty.add_gradient()
    np.testing.assert_array_equal(dW2, 3 * W2)

    copy = pickle.loads(pickle.dumps(penalty))
    assert "_ridge_cache" not in copy.__dict__
    copy.dense[0].dW[...] = 0
    copy.add_gradient()
    np.testing.assert_array_equal(copy.dense[0].dW, 3 * copy.dense[0].W)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fused_bilinear_resampling_gives_the_bits_of_map_coordinates(dtype, monkeypatch):
    """augment's compiled resampling against scipy.ndimage.map_coordinates on the zero-bordered
    images (its reference lines): same float64 arithmetic, same order of the four corners."""
    from nnfit import augment

    rng = np.random.default_rng(0)
    X = rng.random((40, 784)).astype(dtype)
    X[:, :50] = 0
    runs = {}
    for name in ("fused", "lines"):
        if name == "lines":
            monkeypatch.setattr(NumpyBackend, "fused", lambda self, name: None)
        runs[name] = [augment.augment_images(X, np.random.default_rng(1), elastic_alpha=20.0),
                      augment.shift_images(X, 0.5, -1.25), augment.shift_images(X, 27.5, 0),
                      augment.shift_images(X, -3, 30)]
    for fused, lines in zip(runs["fused"], runs["lines"]):
        assert fused.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(fused, lines)
    assert 0 < np.count_nonzero(runs["fused"][2]) < X.size / 20  # a sliver of column 0 survives
    assert np.count_nonzero(runs["fused"][3]) == 0


@pytest.mark.parametrize("name, lengths", [
    ("rmsprop", (5, 5, 1)), ("rmsprop", (5, 4, 5)), ("adam", (5, 5, 1, 5)), ("adam", (5, 5, 5, 9)),
    ("adam", (5, 1, 5, 5)), ("ridge", (5, 4)),
])
def test_kernels_refuse_arrays_of_different_lengths(name, lengths):
    arrays = [np.zeros(n, np.float32) for n in lengths]
    before = [a.copy() for a in arrays]
    c = np.float32
    scalars = {"rmsprop": (c(0.9), c(0.1), c(1e-7), c(0.01)),
               "adam": (c(0.9), c(0.1), c(0.999), c(0.001), c(1e-8), c(0.01)),
               "ridge": (c(0.2),)}[name]
    with pytest.raises(ValueError, match="different lengths"):
        getattr(_fused.updates, name)(*arrays, *scalars, np.finfo(np.float32).tiny)
    for array, original in zip(arrays, before):
        np.testing.assert_array_equal(array, original)  # refused before anything was written


@pytest.mark.parametrize("lengths", [(5, 5, 1), (5, 4, 5), (129, 129, 128)])
def test_block_rmsprop_refuses_arrays_of_different_lengths(lengths):
    arrays = [np.zeros(n, np.float32) for n in lengths]
    params = np.array([0.9, 0.1, 1e-7, 0.01, np.finfo(np.float32).tiny], np.float32)
    with pytest.raises(ValueError, match="different lengths"):
        _fused.KERNELS["rmsprop"](*arrays, params)
    assert not any(a.any() for a in arrays)
