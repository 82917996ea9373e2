"""Check backpropagation against central finite differences.

    dR/dtheta_j  ~  (R(theta + h e_j) - R(theta - h e_j)) / (2h)

Dropout masks are held fixed by re-seeding the random generator for every evaluation, so the
same units are dropped in each of the 2 * n_params + 1 evaluations.
"""
import numpy as np
import scipy.sparse


def gradcheck(model, X, Y, *, h=1e-5, train=True, seed=0, indices=None, floor=1e-6):
    """Worst relative error between the backprop gradient and finite differences.

    ``model`` is an :class:`~nnfit.Objective` (with X and encoded targets Y as the network sees
    them) or a fitted ``MLPClassifier``/``MLPRegressor`` (with raw X and labels y; the check is
    then at the fitted parameters with dropout off unless ``train``).

    The relative error of parameter j is |g_j - d_j| / max(|g_j|, |d_j|, floor); ``indices``
    restricts the check to some parameters (default: all).  Use a float64 network: in float32
    the finite differences themselves are only good to about 1e-3.
    """
    objective = getattr(model, "_objective", model)
    if objective is not model:
        X, Y = model._prepared(X, Y)
    network = objective.network
    theta = network.theta
    X = X if scipy.sparse.issparse(X) else network.backend.asarray(X, network.dtype)
    Y = network.backend.asarray(Y, network.dtype)

    def R(with_grad=False):
        rng = np.random.default_rng(seed)
        if with_grad:
            return objective.value_and_grad(X, Y, train, rng)
        return objective.value(X, Y, train, rng)

    R(with_grad=True)
    backprop = network.backend.to_numpy(network.grad).copy()
    indices = range(len(theta)) if indices is None else indices
    worst = 0.0
    for j in indices:
        saved = float(theta[j])  # a number, not a view (a torch element is one)
        theta[j] = saved + h
        up = R()
        theta[j] = saved - h
        down = R()
        theta[j] = saved
        numeric = (up - down) / (2 * h)
        err = abs(backprop[j] - numeric) / max(abs(backprop[j]), abs(numeric), floor)
        worst = max(worst, err)
    return worst
