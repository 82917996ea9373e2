"""The Cox partial likelihood and the Poisson deviance: values and gradients against an
independent float64 autograd (torch, the O(n^2) risk-set formula written directly), central
finite differences through whole networks, and the torch backend against NumPy."""
import numpy as np
import pytest

import nnfit
from nnfit import CoxPartialLikelihood, Objective, PoissonDeviance, gradcheck
from nnfit.backends.numpy_backend import default_backend

TOL = 1e-6


def survival_targets(n, rng, n_times=6):
    """Times with many ties (n_times distinct values), events and censoring mixed."""
    time = rng.integers(0, n_times, n).astype(float)
    event = (rng.random(n) < 0.6).astype(float)
    event[0] = 1.0
    return np.column_stack([time, event])


def direct_partial_likelihood(eta, Y, w, ties):
    """-(1/n) log PL written risk set by risk set with torch autograd (no sorting, no sums)."""
    torch = pytest.importorskip("torch")
    eta = torch.tensor(eta, dtype=torch.float64, requires_grad=True)
    t, e, w = (torch.tensor(a, dtype=torch.float64) for a in (Y[:, 0], Y[:, 1], w))
    total = 0
    for s in np.unique(Y[Y[:, 1] == 1, 0]):
        D, R = (t == s) & (e == 1), t >= s
        d = int(D.sum())
        S_R, S_D = (w * torch.exp(eta))[R].sum(), (w * torch.exp(eta))[D].sum()
        total = total + (w[D] * eta[D]).sum()
        for k in range(d):
            total = total - w[D].mean() * torch.log(S_R - (k / d if ties == "efron" else 0) * S_D)
    value = -total / len(eta)
    value.backward()
    return value.item(), eta.grad.numpy()


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("weighted", [False, True])
def test_cox_loss_equals_the_risk_set_formula_by_autograd(ties, weighted):
    rng = np.random.default_rng(1)
    Y = survival_targets(60, rng)
    Z = 3 * rng.normal(size=(60, 1))
    w = rng.uniform(0.2, 3.0, 60) if weighted else np.ones(60)
    value, dZ = CoxPartialLikelihood(default_backend, ties)(Z, Y, w if weighted else None)
    expected, grad = direct_partial_likelihood(Z[:, 0], Y, w, ties)
    assert value == pytest.approx(expected, rel=1e-13)
    np.testing.assert_allclose(dZ[:, 0], grad, rtol=1e-10, atol=1e-15)


def test_cox_loss_without_ties_is_the_same_for_efron_and_breslow():
    rng = np.random.default_rng(2)
    Y = np.column_stack([rng.permutation(30).astype(float), rng.random(30) < 0.5])
    Z = rng.normal(size=(30, 1))
    efron = CoxPartialLikelihood(default_backend, "efron")(Z, Y)
    breslow = CoxPartialLikelihood(default_backend, "breslow")(Z, Y)
    assert efron[0] == pytest.approx(breslow[0], rel=1e-14)
    np.testing.assert_allclose(efron[1], breslow[1], rtol=1e-12)


def test_cox_loss_ignores_a_constant_and_survives_huge_scores():
    """eta + c gives the same partial likelihood; exp never overflows (the max is taken out)."""
    rng = np.random.default_rng(3)
    Y, Z = survival_targets(40, rng), rng.normal(size=(40, 1))
    loss = CoxPartialLikelihood(default_backend)
    base, shifted = loss(Z, Y), loss(Z + 800.0, Y)
    assert shifted[0] == pytest.approx(base[0], rel=1e-10)
    np.testing.assert_allclose(shifted[1], base[1], rtol=1e-8, atol=1e-14)
    assert np.allclose(base[1].sum(), 0, atol=1e-14)  # a constant shift changes nothing


def test_cox_loss_is_the_same_whatever_the_row_order():
    rng = np.random.default_rng(4)
    Y, Z = survival_targets(50, rng), rng.normal(size=(50, 1))
    perm = rng.permutation(50)
    loss = CoxPartialLikelihood(default_backend)
    value, dZ = loss(Z, Y)
    value_p, dZ_p = loss(Z[perm], Y[perm])
    assert value_p == pytest.approx(value, rel=1e-13)
    np.testing.assert_allclose(dZ_p, dZ[perm], rtol=1e-12, atol=1e-16)


def test_unknown_ties_are_refused():
    with pytest.raises(ValueError, match="efron"):
        CoxPartialLikelihood(default_backend, "exact")


def network_problem(loss, Y, hidden=(5, 4), dropout=(), ridge=0.0, lasso=0.0, seed=0):
    rng = np.random.default_rng(seed)
    net = nnfit.mlp(3, hidden, 1, "tanh", dropout, dtype="float64")
    net.initialize(rng)
    net.theta += rng.normal(scale=0.05, size=net.n_params)
    X = rng.normal(size=(Y.shape[0], 3))
    return Objective(net, loss, ridge, lasso), X


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("penalty", [{}, {"ridge": 0.03, "lasso": 0.01}])
def test_backprop_through_a_cox_network_matches_finite_differences(ties, penalty):
    """Every parameter but the output bias against finite differences; the bias's gradient is
    exactly 0 (a constant added to eta cancels), so its finite difference is rounding alone."""
    Y = survival_targets(25, np.random.default_rng(5))
    objective, X = network_problem(CoxPartialLikelihood(default_backend, ties), Y, **penalty)
    w = np.random.default_rng(6).uniform(0, 2, 25)
    weighted = Objective(objective.network, objective.loss, weighted=True, **penalty)
    for objective, Y in ((objective, Y), (weighted, np.column_stack([Y, w / w.mean()]))):
        but_the_bias = list(range(objective.network.n_params - 1))
        assert gradcheck(objective, X, Y, indices=but_the_bias) < TOL
        objective.value_and_grad(X, Y)
        assert abs(objective.network.grad[-1]) < 1e-14


def test_backprop_through_a_poisson_network_matches_finite_differences():
    rng = np.random.default_rng(7)
    Y = rng.poisson(2.0, size=(20, 1)).astype(float)
    objective, X = network_problem(PoissonDeviance(default_backend), Y, dropout=(0.3, 0.2),
                                   ridge=0.02)
    assert gradcheck(objective, X, Y, train=True, seed=1) < TOL
    w = rng.uniform(0.1, 3, 20)
    weighted = Objective(objective.network, objective.loss, weighted=True)
    assert gradcheck(weighted, X, np.column_stack([Y, w / w.mean()])) < TOL


def test_poisson_loss_is_half_the_mean_deviance():
    from sklearn.metrics import mean_poisson_deviance
    rng = np.random.default_rng(8)
    Y = rng.poisson(3.0, size=(50, 1)).astype(float)
    Z = rng.normal(1.0, 0.3, size=(50, 1))
    w = rng.uniform(0.5, 2, 50)
    value, dZ = PoissonDeviance(default_backend)(Z, Y)
    assert value == pytest.approx(mean_poisson_deviance(Y[:, 0], np.exp(Z[:, 0])) / 2, rel=1e-12)
    np.testing.assert_allclose(dZ, (np.exp(Z) - Y) / 50, rtol=1e-12)
    value = PoissonDeviance(default_backend)(Z, Y, w / w.mean())[0]
    assert value == pytest.approx(mean_poisson_deviance(Y[:, 0], np.exp(Z[:, 0]), sample_weight=w)
                                  / 2, rel=1e-12)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_the_losses_on_torch_tensors_equal_numpy(ties):
    torch = pytest.importorskip("torch")
    from nnfit.backends.torch_backend import TorchBackend
    backend = TorchBackend("cpu")
    rng = np.random.default_rng(9)
    Y, Z, w = survival_targets(40, rng), rng.normal(size=(40, 1)), rng.uniform(0.5, 2, 40)
    for loss, targets in ((CoxPartialLikelihood, Y), (PoissonDeviance, Y[:, :1])):
        kwargs = {"ties": ties} if loss is CoxPartialLikelihood else {}
        expected, dZ = loss(default_backend, **kwargs)(Z.copy(), targets, w)
        value, dZ_t = loss(backend, **kwargs)(torch.tensor(Z), torch.tensor(targets), torch.tensor(w))
        assert value == pytest.approx(expected, rel=1e-12)
        np.testing.assert_allclose(dZ_t.numpy(), dZ, rtol=1e-10, atol=1e-15)


class _LinesOnly:
    """The NumPy backend without its compiled loops: the losses run their NumPy lines."""
    xp = np

    @staticmethod
    def fused(name):
        return None

    @property
    def special(self):
        import scipy.special
        return scipy.special


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_compiled_loops_equal_the_numpy_lines(dtype):
    if default_backend.fused("cox_partial_likelihood") is None:
        pytest.skip("numba is not installed")
    rng = np.random.default_rng(10)
    Y, Z, w = survival_targets(300, rng, 40), rng.normal(size=(300, 1)), rng.uniform(0, 2, 300)
    Y, Z, w = Y.astype(dtype), Z.astype(dtype), (w / w.mean()).astype(dtype)
    # float32: the NumPy lines' running sums are float32 and the loops' float64, and a row's
    # gradient r (A - B) - w cancels; 1e-4 of a gradient is their float32 rounding
    rtol = 1e-12 if dtype == "float64" else 1e-4
    for ties in ("efron", "breslow"):
        for weights in (None, w):
            compiled = CoxPartialLikelihood(default_backend, ties)(Z, Y, weights)
            lines = CoxPartialLikelihood(_LinesOnly(), ties)(Z, Y, weights)
            assert compiled[0] == pytest.approx(lines[0], rel=rtol)
            assert compiled[1].dtype == Z.dtype
            np.testing.assert_allclose(compiled[1], lines[1], rtol=rtol, atol=rtol * 1e-3)
    counts = rng.poisson(2.0, size=(300, 2)).astype(dtype)
    Z2 = rng.normal(size=(300, 2)).astype(dtype)
    for weights in (None, w):
        compiled = PoissonDeviance(default_backend)(Z2, counts, weights)
        lines = PoissonDeviance(_LinesOnly())(Z2, counts, weights)
        assert compiled[0] == pytest.approx(lines[0], rel=rtol)
        np.testing.assert_allclose(compiled[1], lines[1], rtol=rtol, atol=rtol * 1e-3)
