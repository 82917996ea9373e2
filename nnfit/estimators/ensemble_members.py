"""The members of an ``MLPEnsemble`` (``ensemble``): their seeds, their bootstrap samples, and
their fits side by side.

Seeds s_1..s_K are K draws of integers in [0, 2^31) from the ensemble's generator; then, with
``bootstrap``, member k's counts c_k: n draws with replacement from the n rows (n_c draws from the
n_c rows of each class c for a classifier), in member order, all before any fit, so that the
members do not depend on ``n_jobs``.  The counts go to ``fit`` as sample weights (times the
user's), or, for an estimator whose ``fit`` takes none, as the drawn rows themselves.  The fits
run through ``joblib.Parallel(n_jobs)``: independent fits side by side, each fit's steps in order.
"""
import joblib
import numpy as np
from sklearn.base import clone
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import has_fit_parameter


def fit_members(estimator, X, y, sample_weight, n_estimators, bootstrap, n_jobs, rng,
                stratified):
    """(seeds, fitted members) of K clones of ``estimator`` (module docstring)."""
    n = X.shape[0] if hasattr(X, "shape") else len(X)
    seeds = rng.integers(2**31, size=n_estimators)
    members = [_seeded(clone(estimator), int(s), bootstrap) for s in seeds]
    data = []
    for member in members:
        counts = _bootstrap_counts(rng, y, n, stratified) if bootstrap else None
        data.append(_member_data(member, X, y, sample_weight, counts))
    fitted = joblib.Parallel(n_jobs=n_jobs)(
        joblib.delayed(_fit_member)(member, *args) for member, args in zip(members, data))
    return seeds, list(fitted)


def _seeded(member, seed, bootstrap):
    """``member`` with every ``random_state`` among its (nested) parameters set to ``seed``."""
    params = member.get_params(deep=True)
    names = [k for k in params if k == "random_state" or k.endswith("__random_state")]
    if not names and params.get("estimator", 0) is None:  # a tabular model's default network
        names = ["estimator__random_state"]
    if not names and not bootstrap:
        raise ValueError(f"{type(member).__name__} has no random_state, so the members would "
                         "all be the same model: use bootstrap=True, or a model with a seed")
    return member.set_params(**{name: seed for name in names})


def _bootstrap_counts(rng, y, n, stratified):
    """How often each row is drawn in n draws with replacement (within each class)."""
    if not stratified:
        return np.bincount(rng.integers(n, size=n), minlength=n).astype(np.float64)
    _, labels = np.unique(np.asarray(y), return_inverse=True)
    counts = np.zeros(n)
    for c in range(labels.max() + 1):
        rows = np.flatnonzero(labels.reshape(-1) == c)
        np.add.at(counts, rows[rng.integers(rows.size, size=rows.size)], 1.0)
    return counts


def _member_data(member, X, y, sample_weight, counts):
    """(X, y, sample_weight) of one member's fit: the counts as weights, or the drawn rows."""
    if counts is None:
        return X, y, sample_weight
    if has_fit_parameter(member, "sample_weight"):
        weight = counts if sample_weight is None else counts * np.asarray(sample_weight, float)
        return X, y, weight
    rows = np.repeat(np.arange(counts.size), counts.astype(np.intp))
    return _safe_indexing(X, rows), _safe_indexing(y, rows), None


def _fit_member(member, X, y, sample_weight):
    weights = {} if sample_weight is None else {"sample_weight": sample_weight}
    return member.fit(X, y, **weights)
