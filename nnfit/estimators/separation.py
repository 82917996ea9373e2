"""Separation: an unpenalized classifier whose training rows are predicted with certainty.

When a hyperplane (a network: any surface it can draw) puts the training rows of each class on
their own side, completely or up to rows on the boundary (quasi-complete separation), the
likelihood grows without bound as the weights grow along it: no maximum-likelihood fit exists,
and a fit without a penalty, by any optimizer, stops wherever its tolerance or the precision
says, with huge weights and probabilities of exactly 0 and 1.  statsmodels warns of it
(``PerfectSeparationWarning``, "Perfect separation or prediction detected") when every fitted
probability is within 1e-8 of its 0/1 outcome.

The rule here, checked at the end of every fit of an ``MLPClassifier`` with ``ridge`` and
``lasso`` all 0 (one forward pass over the training rows): a training row of positive weight is
predicted with certainty when its fitted probability of its own class is within TOLERANCE =
1e-8 of 1 (statsmodels' tolerance; in float32 that is exactly 1, the next float32 below 1 being
1 - 6e-8).  If some row is:

- without a hidden layer (logistic or multinomial regression) the linear program of
  ``information.unbounded`` (the test ``coefficients()`` runs) says whether a direction exists
  along which the likelihood grows without end, complete or quasi-complete separation, and
  names its columns; a certain row alone is no proof (breast cancer's maximum-likelihood fit
  gives 23 of its 569 rows a probability within 1e-8 of 1).  Above LP_SIZE entries of the
  program's matrix (e.g. 100,000 rows of 50 columns) statsmodels' rule decides instead: every
  row certain.
- with hidden layers, statsmodels' rule: every training row certain (complete separation, the
  network has memorized them); a network is expected to fit some rows closely.

The ``SeparationWarning`` says how many rows are certain, the largest weight and the fix, a
ridge penalty.
"""
import warnings

import numpy as np
import scipy.sparse

from .information import unbounded

TOLERANCE = 1e-8
LP_SIZE = 5_000_000  # entries of the linear program's matrix, at most


class SeparationWarning(UserWarning):
    """The training rows are separated: perfect prediction, weights without bound.

    Emitted by ``fit`` of an unpenalized classifier (``ridge=0``, ``lasso=0``) whose training
    rows get the probability of their own class within 1e-8 of 1 where a finite fit does not
    exist (without a hidden layer: a linear program finds the separating columns); a ridge
    penalty gives a finite, usable fit.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from nnfit import MLPClassifier, SeparationWarning
    >>> X, y = np.arange(6.0).reshape(-1, 1), np.array([0, 0, 0, 1, 1, 1])
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = MLPClassifier(hidden_layer_sizes=(), ridge=0.0, optimizer="lbfgs",
    ...                       dtype="float64", random_state=0).fit(X, y)
    >>> [w.category for w in caught] == [SeparationWarning]
    True
    """


def check_separation(model, X_train, Y_train, stacklevel=3):
    """Warn with ``SeparationWarning`` by the rule of the module docstring; return whether it
    did.  ``X_train``, ``Y_train``: the fit's standardized rows and encoded targets (with the
    weights' column when ``model._objective.weighted``), on the network's device."""
    if not hasattr(model, "classes_") or np.any(model.ridge) or np.any(model.lasso):
        return False
    backend, dense = model.network_.backend, model.network_.dense
    Y = np.asarray(backend.to_numpy(Y_train), np.float64)
    k = Y.shape[1] - int(bool(model._objective.weighted))
    P = model._forward(X_train, output=True)  # in the model's dtype, as predict_proba gives it
    own = np.where(Y[:, 0] == 1, P[:, 0], 1 - P[:, 0]) if k == 1 else (P * Y[:, :k]).sum(axis=1)
    w = Y[:, k] if model._objective.weighted else np.ones(len(Y))
    certain = int(np.count_nonzero((own.astype(np.float64) >= 1 - TOLERANCE) & (w > 0)))
    total, hidden = int(np.count_nonzero(w > 0)), len(dense) > 1
    if certain == 0:
        return False
    along = ""
    q = X_train.shape[1] + 1
    if not hidden and len(Y) * q * max(k, 1) ** 2 <= LP_SIZE:
        X = backend.to_numpy(X_train)
        X = X.toarray() if scipy.sparse.issparse(X) else np.asarray(X)
        D = np.column_stack([np.ones(len(X)), X.astype(np.float64)])
        v = unbounded("logistic" if k == 1 else "multinomial", D, Y[:, :k], w)
        if v is None:
            return False
        along = _columns(model, v, q)
    elif certain < total:
        return False
    largest = max(float(np.abs(backend.to_numpy(d.W)).max()) for d in dense)
    dtype = np.dtype(model.network_.dtype).name
    shown = "exactly 1" if dtype == "float32" else f"within {TOLERANCE:g} of 1"
    what = ("the classes of the training rows are separated, completely or quasi-completely "
            "(perfect separation or prediction)" if not hidden else
            "the network separates the training rows completely (perfect prediction)")
    warnings.warn(SeparationWarning(
        f"{what}{along}: {certain} of the {total} training rows get a probability of their class "
        f"{shown} in {dtype}.  Without a penalty nothing bounds the weights: the likelihood "
        f"keeps growing as they grow (the largest is now {largest:.3g}, on standardized "
        "inputs), so no maximum-likelihood fit exists and the fitted probabilities of 0 and 1 "
        "claim a certainty the data cannot give.  Add a ridge penalty, e.g. ridge=1e-3 (a "
        "larger one for more shrinkage), or leave out the columns that separate the classes"),
        stacklevel=stacklevel)
    return True


def _columns(model, v, q):
    """' along 'x1', 'x2'': the inputs with the largest share of the separating direction v."""
    names = getattr(model, "feature_names_in_", None)
    names = ["intercept"] + [str(c) if names is not None else f"x{j}"
                             for j, c in enumerate(names if names is not None else range(q - 1))]
    weight = np.abs(v.reshape(-1, q)).max(axis=0)  # per input, over the classes' blocks
    top = [names[j] for j in np.argsort(-weight) if j and weight[j] > 0.1 * weight.max()]
    return (" along " + ", ".join(repr(t) for t in top[:8]) + (" ..." if len(top) > 8 else "")
            if top else "")
