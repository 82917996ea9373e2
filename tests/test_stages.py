"""The fused hidden stages and loss (``nnfit.engine.stages``, ``_fused``) against the layers' NumPy lines."""
import weakref

import numpy as np
import pytest

import nnfit
from nnfit.backends import kernels as _fused
from nnfit.engine import optimizers as _optimizers
from nnfit.engine import stages as _stages
from nnfit import NumpyBackend
from nnfit import SoftmaxCrossEntropy
from nnfit.engine.stages import HiddenStage, stages
from nnfit.engine.training import minibatches

pytestmark = pytest.mark.skipif(not _fused.KERNELS, reason="numba is not installed")


class NumpyLinesOnly(NumpyBackend):
    def fused(self, name):
        return None


class FixedUniforms:
    """Stands in for the Generator: ``random`` returns the given draws, layer after layer."""

    def __init__(self, draws):
        self.draws = list(draws)

    def random(self, shape, dtype):
        u = self.draws.pop(0)
        assert u.shape == tuple(shape)
        return u.astype(dtype)


def twin_networks(dtype, dropout=(), hidden=(7, 5), n_in=6, n_out=3, seed=0):
    """The same network twice: with the kernels, and with the NumPy lines only."""
    fast = nnfit.mlp(n_in, hidden, n_out, "relu", dropout, dtype)
    lines = nnfit.mlp(n_in, hidden, n_out, "relu", dropout, dtype, backend=NumpyLinesOnly())
    fast.initialize(np.random.default_rng(seed))
    lines.theta[...] = fast.theta
    fast.theta[fast.theta.size - n_out:] = lines.theta[lines.theta.size - n_out:] = 0.1
    return fast, lines


def test_the_kernels_are_used_and_the_lines_are_not():
    fast, lines = twin_networks("float32", dropout=(0.5,))
    assert [type(getattr(f, "__self__", None)).__name__ for f in stages(fast.layers)] == \
        ["HiddenStage", "HiddenStage", "DenseStage"]
    assert [type(f.__self__).__name__ for f in stages(lines.layers)] == \
        ["Dense", "ReLU", "Dropout", "Dense", "ReLU", "Dense"]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("train", [False, True])
@pytest.mark.parametrize("hidden, n_out", [((7, 5), 3), ((1, 4), 1)])  # one unit: pairwise sums
def test_stage_without_dropout_gives_the_bits_of_the_lines(dtype, train, hidden, n_out):
    fast, lines = twin_networks(dtype, hidden=hidden, n_out=n_out)
    X = np.random.default_rng(1).standard_normal((333, 6)).astype(dtype)
    out = {}
    for name, net in (("fast", fast), ("lines", lines)):
        Z, backprop = net.forward(X, train, np.random.default_rng(2))
        dX = backprop(np.ones_like(Z) / Z.size)
        out[name] = Z, net.grad.copy(), dX
    np.testing.assert_array_equal(out["fast"][0], out["lines"][0])
    np.testing.assert_array_equal(out["fast"][1], out["lines"][1])
    assert out["fast"][2] is None and out["lines"][2] is None  # the first layer's dX is skipped
    assert np.count_nonzero(out["fast"][1]) > fast.theta.size // 2


def test_a_forward_replaced_on_the_instance_is_not_fused_away():
    fast, _ = twin_networks("float32")
    fast.layers[0].forward = lambda X, train=False, rng=None: (np.zeros((len(X), 7), X.dtype), None)
    assert stages(fast.layers)[0] is fast.layers[0].forward
    assert np.all(fast.forward(np.ones((2, 6), np.float32))[0] == fast.dense[-1].b)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dropout_stage_equals_the_lines_given_its_mask(dtype):
    """Another random stream than Generator.random, so: read the mask off the fused forward (the
    inputs make every pre-activation positive, so a zero output is a dropped unit), hand the
    NumPy lines uniforms that drop the same units, and compare forward and backward bit for bit."""
    fast, lines = twin_networks(dtype, dropout=(0.4, 0.3), hidden=(64, 48))
    for net in (fast, lines):
        for layer, bias in zip(net.dense[:2], (50.0, 1e4)):
            layer.b[...] = bias  # pre-activations all > 0
    X = np.abs(np.random.default_rng(3).standard_normal((40, 6))).astype(dtype)
    Z, backprop = fast.forward(X, True, np.random.default_rng(4))
    dY = np.random.default_rng(5).standard_normal(Z.shape).astype(dtype)
    backprop(dY.copy())
    grad_fast = fast.grad.copy()
    # the same forward again (same seeds), stage by stage: the masks are the outputs' non-zeros
    rng = np.random.default_rng(4)
    A, masks = X, []
    for forward in stages(fast.layers)[:2]:
        A, _ = forward(A, True, rng)
        masks.append(A != 0)
    draws = [np.where(m, 0.99, 0.0) for m in masks]
    Z_lines, backprop_lines = lines.forward(X, True, FixedUniforms(draws))
    backprop_lines(dY.copy())
    np.testing.assert_array_equal(Z, Z_lines)
    np.testing.assert_array_equal(grad_fast, lines.grad)
    for mask, rate in zip(masks, (0.4, 0.3)):
        kept = mask.mean()
        sd = np.sqrt(rate * (1 - rate) / mask.size)
        assert abs(kept - (1 - rate)) < 5 * sd, (kept, rate)


def test_dropout_mask_statistics_and_reproducibility():
    layer_sizes, rate = (128, 256), 0.4
    net = nnfit.mlp(3, (256,), 2, "relu", (rate,), "float32")
    net.dense[0].b[...] = 1.0  # every pre-activation > 0: the output is 0 exactly where dropped
    X = np.zeros(layer_sizes[:1] + (3,), "float32")
    stage = stages(net.layers)[0]
    masks = [stage(X, True, np.random.default_rng(s))[0] != 0 for s in (0, 0, 1)]
    np.testing.assert_array_equal(masks[0], masks[1])  # random_state reproduces the mask
    assert not np.array_equal(masks[0], masks[2])
    rng = np.random.default_rng(7)
    many = np.array([stage(X, True, rng)[0] != 0 for _ in range(20)])  # 20 steps of one fit
    n = many[0].size
    kept = many.mean(axis=(1, 2))
    assert np.all(np.abs(kept - (1 - rate)) < 5 * np.sqrt(rate * (1 - rate) / n))
    # no correlation between steps, rows or columns beyond chance (|r| < 5 / sqrt(n))
    flat = many.reshape(20, -1).astype(float)
    assert abs(np.corrcoef(flat[:-1].ravel(), flat[1:].ravel())[0, 1]) < 5 / np.sqrt(flat[1:].size)
    cols = many.reshape(-1, 256).astype(float)
    assert abs(np.corrcoef(cols[:, :-1].ravel(), cols[:, 1:].ravel())[0, 1]) < 5 / np.sqrt(cols.size)
    values = stage(X, True, rng)[0]
    np.testing.assert_array_equal(np.unique(values), np.float32([0, np.float32(1) * np.float32(1 / 0.6)]))


def test_mask_bits_are_splitmix64_and_the_threshold_is_the_references():
    """SplitMix64 seeded with 0 first gives 0xe220a8397b1dcdaf (the reference C code).  A float64
    unit takes its top 53 bits; float32 units 0 and 1 the top 24 of its low and high halves."""
    first = 0xE220A8397B1DCDAF
    draws = {"float64": [first >> 11], "float32": [(first & 0xFFFFFFFF) >> 8, first >> 40]}
    for dtype, units in draws.items():
        for unit, draw in enumerate(units):
            for threshold, kept in ((draw, True), (draw + 1, False)):
                Z = np.ones((1, 2), dtype)
                b = np.zeros(2, dtype)
                seed, scale = np.zeros(1, np.uint64), np.full(1, 2, dtype)
                if dtype == "float32":
                    _fused.KERNELS["bias_relu_dropout_24"](Z, b, seed, np.array([threshold], np.uint64), scale)
                else:
                    _fused.KERNELS["bias_relu_dropout"](Z, b, seed, np.array([11, threshold], np.uint64), scale)
                assert bool(Z[0, unit] == 2) is kept
    # keep iff k 2^-24 >= phi in float32 (Generator.random's 24 bits): the same probability
    assert np.float32(np.ceil(np.float32(0.4) * 2**24)) * np.float32(2**-24) >= np.float32(0.4)
    assert np.float32(np.ceil(np.float32(0.4) * 2**24) - 1) * np.float32(2**-24) < np.float32(0.4)


def test_odd_widths_take_the_same_draws_as_even_ones():
    """With an odd number of units a pair of draws straddles two rows; each unit still takes draw
    number e = i k + j of the stream, as an even width does."""
    Z = np.ones((6, 5), np.float32)
    even = np.ones((1, 30), np.float32)
    args = (np.array([123], np.uint64), np.array([2**23], np.uint64), np.full(1, 2, np.float32))
    _fused.KERNELS["bias_relu_dropout_24"](Z, np.zeros(5, np.float32), *args)
    _fused.KERNELS["bias_relu_dropout_24"](even, np.zeros(30, np.float32), *args)
    np.testing.assert_array_equal(Z.ravel(), even.ravel())
    assert 0 < np.count_nonzero(Z) < Z.size


def test_stage_falls_back_to_the_layers_for_other_inputs():
    fast, lines = twin_networks("float32")
    X = np.random.default_rng(1).standard_normal((9, 6))  # float64 inputs, float32 weights
    np.testing.assert_array_equal(fast.forward(X)[0], lines.forward(X)[0])


@pytest.mark.parametrize("dtype, rtol", [("float32", 1e-6), ("float64", 1e-14)])
def test_fused_softmax_cross_entropy_matches_the_lines(dtype, rtol):
    """NumPy's exp is used in both; the row sums (left to right against NumPy's pairwise order)
    and the loss's sum (float64 against float32) round differently: a few ulps apart."""
    rng = np.random.default_rng(0)
    Z = (5 * rng.standard_normal((200, 10))).astype(dtype)
    Y = np.eye(10, dtype=dtype)[rng.integers(10, size=200)]
    Y[0] = 0.1  # soft labels work the same
    (loss_f, dZ_f), (loss_l, dZ_l) = (SoftmaxCrossEntropy(b)(Z, Y) for b in (NumpyBackend(), NumpyLinesOnly()))
    assert loss_f == pytest.approx(loss_l, rel=rtol)
    np.testing.assert_allclose(dZ_f, dZ_l, rtol=4 * rtol, atol=4 * np.finfo(dtype).eps / 200)
    assert not np.array_equal(dZ_f, np.zeros_like(dZ_f))
    w = rng.random(200).astype(dtype) * 2  # row weights: the NumPy lines, weighted (no kernel)
    (loss_w, dZ_w), (loss_wl, dZ_wl) = (SoftmaxCrossEntropy(b)(Z, Y, w) for b in (NumpyBackend(), NumpyLinesOnly()))
    assert loss_w == loss_wl and loss_w != pytest.approx(loss_l, rel=1e-3)
    np.testing.assert_array_equal(dZ_w, dZ_wl)


def test_fit_without_dropout_gives_the_same_parameters_with_and_without_the_kernels(monkeypatch):
    """Regression (squared error, no loss kernel), ReLU, RMSprop, float64: the whole fit of the
    fast stages, gather and optimizer pass gives the bits of the NumPy lines."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((300, 5)), rng.standard_normal(300)
    params = dict(hidden_layer_sizes=(16, 8), optimizer="rmsprop", epochs=4, batch_size=32,
                  random_state=0, dtype="float64", validation_fraction=0.2)
    fast = nnfit.MLPRegressor(**params).fit(X, y)
    assert isinstance(stages(fast.network_.layers)[0].__self__, HiddenStage)
    monkeypatch.setattr(NumpyBackend, "fused", lambda self, name: None)
    for module in (_stages, _optimizers):  # the kernels are looked up again
        monkeypatch.setattr(module, "_kernels", weakref.WeakKeyDictionary())
        monkeypatch.setattr(module, "_last", [None, None])
    lines = nnfit.MLPRegressor(**params).fit(X, y)
    assert not isinstance(stages(lines.network_.layers)[0].__self__, HiddenStage)
    assert _optimizers.fused_kernel(NumpyBackend(), "rmsprop") is None
    np.testing.assert_array_equal(fast.network_.theta, lines.network_.theta)
    assert fast.history_["train_objective"] == lines.history_["train_objective"]


def test_minibatches_are_the_rows_of_one_permutation():
    X = np.arange(50.0).reshape(25, 2)
    Y = np.arange(25.0)[:, None]
    seen = []
    for Xb, Yb in minibatches(X, Y, 7, np.random.default_rng(0)):
        np.testing.assert_array_equal(Xb[:, 0] / 2, Yb[:, 0])
        seen += list(Yb[:, 0])
    assert sorted(seen) == list(range(25)) and seen != list(range(25))


def test_the_plan_is_kept_between_steps_and_follows_every_change_of_the_layers():
    """``Sequential.forward`` builds its stages once; a changed dropout rate, a forward set on
    an instance, another layer list or a pickled copy still run what the layers now say."""
    import pickle
    fast, lines = twin_networks("float32", dropout=(0.5,))
    X = np.random.default_rng(1).standard_normal((64, 6)).astype("float32")
    fast.forward(X, True, np.random.default_rng(2))
    plan = fast._plan
    fast.forward(X, True, np.random.default_rng(2))
    assert fast._plan is plan  # kept

    fast.layers[2].rate = 0.0  # dropout off: the training pass is now the deterministic one
    trained, _ = fast.forward(X, True, np.random.default_rng(2))
    np.testing.assert_array_equal(trained, fast.forward(X, False)[0])
    assert fast._plan is plan  # the stage reads the rate at each call

    calls = []
    relu_forward = fast.layers[1].forward
    fast.layers[1].forward = lambda *args: calls.append(1) or relu_forward(*args)
    fast.forward(X, True, np.random.default_rng(2))
    assert calls == [1] and fast._plan is not plan  # a probe set on the instance runs

    del fast.layers[1].forward
    fast.layers[:] = lines.layers  # another list of layers: the NumPy lines' plan
    fast.forward(X)
    assert [type(f.__self__).__name__ for f in fast._plan[1]] == \
        ["Dense", "ReLU", "Dropout", "Dense", "ReLU", "Dense"]

    copy = pickle.loads(pickle.dumps(fast))
    assert "_plan" not in copy.__dict__
    np.testing.assert_array_equal(copy.forward(X)[0], fast.forward(X)[0])
