"""Check backpropagation against central finite differences.

    dR/dtheta_j  ~  (R(theta + h e_j) - R(theta - h e_j)) / (2h)

Dropout masks are held fixed by re-seeding the random generator for every evaluation, so the
same units are dropped in each of the 2 * n_params + 1 evaluations.
"""
import numpy as np
import scipy.sparse


def gradcheck(model, X, Y, *, h=1e-5, train=True, seed=0, indices=None, floor=1e-6):
    """Worst relative error between the backpropagated gradient and finite differences.

    For every parameter theta_j (or those in ``indices``) the backpropagated derivative g_j is
    compared with the central difference d_j = (R(theta + h e_j) - R(theta - h e_j)) / (2 h);
    the relative error is ``abs(g_j - d_j) / max(abs(g_j), abs(d_j), floor)``.  Dropout masks
    are held fixed by reseeding the random generator with ``seed`` for every evaluation.

    Parameters
    ----------
    model : Objective, MLPClassifier or MLPRegressor
        An objective (then X and Y are as the network sees them: standardized inputs, encoded
        targets), or a fitted estimator (then X and Y are raw inputs and labels, and the check
        is at the fitted parameters).
    X : array-like of shape (n_samples, n_features)
        The rows on which R is evaluated.
    Y : array-like
        Their targets (labels for a classifier).
    h : float, default=1e-5
        Step of the finite differences.
    train : bool, default=True
        Evaluate in training mode (with dropout, masks held fixed); False checks the prediction
        network.
    seed : int, default=0
        Seed of the dropout masks.
    indices : iterable of int or None, default=None
        Indices of the parameters in the flat vector to check; None checks all.
    floor : float, default=1e-6
        Lower bound of the denominator, so that derivatives near 0 are compared absolutely.

    Returns
    -------
    float
        The largest relative error.  Below 1e-6 is the project's standard, in float64; use a
        float64 network (``dtype="float64"``): in float32 the finite differences themselves are
        good to only about 1e-3.

    Examples
    --------
    >>> import numpy as np
    >>> from nnfit import MLPRegressor, gradcheck
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(30, 3)), rng.normal(size=30)
    >>> model = MLPRegressor(hidden_layer_sizes=(4,), activation="tanh", dtype="float64",
    ...                      epochs=3, random_state=0).fit(X, y)
    >>> bool(gradcheck(model, X, y) < 1e-6)
    True
    """
    if hasattr(model, "objective_inputs"):  # a fitted estimator: its R on X, Y as it sees them
        objective, X, Y = model.objective_inputs(X, Y)
    else:
        objective = model
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
