"""Sample weights w_i of the weighted objective R(theta) = sum_i w_i L_i / sum_i w_i + penalties.

``sample_weight`` (one number >= 0 per row) and the classifier's ``class_weight`` (``"balanced"``:
w = n / (K n_k) for a sample of class k, as scikit-learn's ``compute_sample_weight``; or a dict
{label: weight}, 1 for labels it leaves out) multiply.  Weights that are all equal give the
unweighted objective exactly, so they are dropped and the fit is the unweighted one, bit for bit.
The training rows' weights are scaled to mean 1 (see ``_objective``), the held-out rows' too,
so that the validation loss and score are weighted means as well.

A sample weight means repeats: a row of weight 2 gives the fit a row repeated gives it.  So the
standardization of X (and of the regressor's target) is weighted by the sample weights (not by
the class weights, which reweight the loss, not the data), and "balanced" counts each class by
the sum of its rows' sample weights, n_k = sum_{i in k} w_i, as scikit-learn's
``compute_class_weight(..., sample_weight=w)`` does.
"""
import numbers

import numpy as np
from sklearn.utils.class_weight import compute_sample_weight


def check_sample_weight(sample_weight, n):
    """``sample_weight`` as a float64 array of n finite numbers >= 0 with a positive, finite sum,
    or None: the one check of ``fit``, ``partial_fit``, ``score`` and the tabular models.

    Parameters
    ----------
    sample_weight : None, number or array-like of shape (n,)
    n : int
        The number of rows of X.
    """
    if sample_weight is None:
        return None
    if isinstance(sample_weight, (str, bytes)):
        raise TypeError(f"sample_weight={sample_weight!r} is invalid: expected one number per row")
    if isinstance(sample_weight, numbers.Real) and not isinstance(sample_weight, bool):
        sample_weight = np.full(n, float(sample_weight))
    try:
        w = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("sample_weight is invalid: expected one number >= 0 per row of X, got "
                        f"values of type {np.asarray(sample_weight).dtype}") from None
    if w.shape != (n,):
        raise ValueError(f"sample_weight has shape {w.shape} but X has {n} rows; give one weight "
                         "per row, a 1-d array of shape (n_samples,)")
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if bad.size:
        raise ValueError(f"sample_weight[{bad[0]}] = {w[bad[0]]} is invalid ({bad.size} such "
                         "value(s) in all): weights must be finite numbers >= 0")
    with np.errstate(over="ignore"):
        total = w.sum()
    if not np.isfinite(total):
        i = int(np.argmax(w))
        raise ValueError(f"sample_weight adds up to more than float64 holds (the largest is "
                         f"sample_weight[{i}] = {w[i]:g}); only the ratios of the weights "
                         "matter: divide them all by a power of 10 (or by their largest)")
    if not total > 0:
        raise ValueError("sample_weight is zero for every row: at least one row needs a "
                         "positive weight")
    return w


def class_sample_weight(class_weight, y, classes, sample_weight=None):
    """Each row's class weight under ``class_weight`` (None, "balanced" or a dict), or None.

    Parameters
    ----------
    class_weight : None, "balanced" or dict
    y : ndarray of shape (n,)
        The labels.
    classes : ndarray
        The model's ``classes_``.
    sample_weight : ndarray of shape (n,), optional
        The rows' sample weights: "balanced" counts a class by the sum of its rows' weights.
    """
    if class_weight is None:
        return None
    if isinstance(class_weight, str) and class_weight == "balanced":
        if sample_weight is None:
            return compute_sample_weight("balanced", y)
        present, index = np.unique(y, return_inverse=True)
        counts = np.bincount(index, weights=sample_weight, minlength=len(present))
        per_class = np.divide(sample_weight.sum(), len(present) * counts,
                              out=np.zeros(len(present)), where=counts > 0)
        return per_class[index]
    if not isinstance(class_weight, dict):
        raise ValueError(f"class_weight={class_weight!r} is invalid: expected None, 'balanced' "
                         "or a dict {label: weight}")
    w = np.ones(len(y))
    for label, value in class_weight.items():
        if label not in set(classes.tolist()):
            raise ValueError(f"class_weight has a weight for {label!r}, which is not among the "
                             f"classes {classes.tolist()}; use the labels of y as keys")
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
                np.isfinite(value) and value >= 0):
            raise ValueError(f"class_weight[{label!r}]={value!r} is invalid: expected a finite "
                             "number >= 0")
        w[np.asarray(y) == label] = float(value)
    return w


def repeats(w):
    """The sample weights as repeat counts for the standardization: None if there are none or
    all are equal (the unweighted mean and sd then, bit for bit)."""
    return None if w is None or np.all(w == w[0]) else w


def combine(*weights):
    """The product of the weight arrays given (None: all ones); None if all rows weigh the same."""
    given = [w for w in weights if w is not None]
    if not given:
        return None
    w = np.prod(given, axis=0)
    if not w.sum() > 0:
        raise ValueError("the sample and class weights give every row a weight of zero; at "
                         "least one row needs a positive weight")
    return None if np.all(w == w[0]) else w


def with_weights(Y, w, dtype):
    """Y with a last column of w / mean(w) (the layout ``Objective(weighted=True)`` reads)."""
    mean = w.mean()
    if not mean > 0:
        raise ValueError("every training row has weight 0; give some of them a positive weight")
    return np.column_stack([Y, w / mean]).astype(dtype)
