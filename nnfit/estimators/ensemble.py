"""``MLPEnsemble``: the average of K networks fitted from different seeds (and optionally on
bootstrap samples of the rows), and the spread of the K members' predictions.

Member k = 1..K is a clone of ``estimator`` whose ``random_state`` (every nested one, e.g. a
tabular model's ``estimator__random_state``) is s_k, the k-th of K draws from one generator
seeded by the ensemble's ``random_state``; with ``bootstrap=True`` it is fitted with row
weights c_k, the counts of n draws with replacement (Multinomial(n, 1/n)), drawn within each
class for a classifier (n_c draws from the n_c rows of class c, so every member sees every
class at its prevalence).  Seeds and counts are drawn before any member is fitted
(``ensemble_members``), so the same ``random_state`` gives the same members whatever
``n_jobs``; the K fits run through ``joblib.Parallel(n_jobs)``, each fit's steps in order.
A weight c_i counts row i c_i times (nnfit's weights are repeats, ``weights``), so a bootstrap
sample is the fit on the drawn rows, except that a row drawn twice can never be on both sides
of a member's held-out split; an estimator without ``sample_weight`` gets the drawn rows.

With f_k(x) the k-th member's prediction (a class probability, a value, a risk score):

    predict_proba(x) = (1/K) sum_k p_k(x),    predict(x) = argmax_m predict_proba(x)_m
    predict(x) = (1/K) sum_k f_k(x)                                    (regression)
    predict(x) = (1/K) sum_k eta_k(x),   S(t | x) = (1/K) sum_k S_k(t | x)     (survival)
    interval at ``level``:  [ Q_{(1 - level)/2}, Q_{(1 + level)/2} ] of {f_1(x), ..., f_K(x)}

(Q: ``numpy.quantile``'s linear interpolation between the sorted members; for level >=
1 - 2/K the interval holds the mean.)  A Cox risk score is defined up to an additive constant,
which the mean shifts but does not reorder; its spread is not reported.

One class serves every task, as ``Pipeline`` takes its kind from its last step: the ensemble
only averages, and what it averages (probabilities, values, survival functions), its ``score``
and its scikit-learn tags (``is_classifier``, stratified folds in ``cross_val_score``) are its
estimator's; scikit-learn's pairs (``BaggingClassifier`` / ``BaggingRegressor``) would need a
third class for survival and two names for one idea.

The spread shows how much the fitted model depends on its seed and (with ``bootstrap``) on the
sample: a rough sample of K fits, not a calibrated interval.  It says nothing of the noise of a
new y around its mean, nothing guarantees its coverage, and with K = 5 its ends are close to the
smallest and largest member.  For an interval that holds a new y with a stated probability use
``ConformalRegressor`` (``conformal``).
"""
import copy
import numbers

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, is_classifier
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, has_fit_parameter

from .ensemble_file import _EnsembleFile
from .ensemble_members import fit_members
from .validation import make_rng


# a tabular model's columns, as the command line reads them off the ensemble (the members'
# are the same: the columns come from X, not from a seed)
TABULAR = ("numeric_columns_", "categorical_columns_", "excluded_", "impute_", "target_name_",
           "id_column_", "exposure_column_", "time_name_", "event_name_")


def _classifier(self):
    return is_classifier(self.estimator)


def _survival(self):
    return hasattr(self.estimator, "predict_survival_function")


def _regressor(self):
    return not _classifier(self) and not _survival(self)


class MLPEnsemble(_EnsembleFile, MetaEstimatorMixin, BaseEstimator):
    """The mean of K networks fitted from different seeds, with the spread of their predictions.

    A classifier, regressor or survival model as its ``estimator`` is (scikit-learn's
    ``is_classifier`` and cross-validation see it so): ``MLPClassifier``, ``MLPRegressor``,
    ``MLPSurvival``, their tabular models on DataFrames, or any scikit-learn estimator.  The
    module docstring states what is averaged and the intervals.

    Parameters
    ----------
    estimator : estimator
        The member model, cloned K times; its ``random_state`` is replaced by each member's seed.
    n_estimators : int, default=5
        K, the number of members, >= 1.
    bootstrap : bool, default=False
        Fit each member on a bootstrap sample of the rows (stratified by class for a
        classifier) instead of on all of them.
    n_jobs : int or None, default=None
        Members fitted at a time by joblib (None: 1 unless in a ``joblib.parallel_config``
        block; -1: one per core).  The members are the same whatever ``n_jobs``.
    random_state : int, Generator, RandomState or None, default=None
        Seed of the members' seeds and bootstrap draws.

    Attributes
    ----------
    estimators_ : list of estimators
        The K fitted members.
    seeds_ : ndarray of shape (n_estimators,)
        Each member's ``random_state``.
    classes_ : ndarray
        A classifier's labels (the members', sorted).
    n_features_in_ : int
        Columns of X seen in fit (``feature_names_in_`` too where the members have it; tabular
        members' columns and target name too: ``numeric_columns_``, ``target_name_``, ...).

    See Also
    --------
    ConformalRegressor : intervals that hold a new y with a stated probability.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> import nnfit
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = nnfit.MLPEnsemble(nnfit.MLPClassifier((16,), epochs=20), n_estimators=5,
    ...                           random_state=0).fit(X, y)
    >>> risk, lower, upper = model.predict_proba_interval(X[:3], level=0.9)
    >>> risk.shape, bool(((lower <= risk) & (risk <= upper)).all())
    ((3, 2), True)
    """

    def __init__(self, estimator, *, n_estimators=5, bootstrap=False, n_jobs=None,
                 random_state=None):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.bootstrap = bootstrap
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        """Fit the K members, ``n_jobs`` at a time.

        Parameters
        ----------
        X : array-like, sparse matrix or pandas.DataFrame of shape (n_samples, n_features)
            What ``estimator`` takes.
        y : array-like
            What ``estimator`` takes (labels, values, survival outcomes).
        sample_weight : array-like of shape (n_samples,), optional
            Row weights given to every member (times the bootstrap counts).

        Returns
        -------
        self
        """
        K = self.n_estimators
        if isinstance(K, (bool, np.bool_)) or not isinstance(K, numbers.Integral) or K < 1:
            raise ValueError(f"n_estimators={K!r} is invalid: give the number of members, a "
                             "whole number >= 1")
        if not isinstance(self.bootstrap, (bool, np.bool_)):
            raise ValueError(f"bootstrap={self.bootstrap!r} is invalid: expected True or False")
        if not hasattr(self.estimator, "fit"):
            raise TypeError(f"estimator={self.estimator!r} is not an estimator (it has no fit); "
                            "give one, e.g. MLPEnsemble(nnfit.MLPClassifier())")
        if sample_weight is not None and not has_fit_parameter(self.estimator, "sample_weight"):
            raise TypeError(f"{type(self.estimator).__name__}.fit takes no sample_weight")
        seeds, fitted = fit_members(self.estimator, X, y, sample_weight, int(K), self.bootstrap,
                                    self.n_jobs, make_rng(self.random_state), _classifier(self))
        self.seeds_ = seeds
        return self._set_members(fitted)

    def _set_members(self, members):
        """The fitted attributes from the fitted members (after fit, and after load)."""
        first = members[0]
        if hasattr(first, "classes_"):
            for member in members[1:]:
                if not np.array_equal(member.classes_, first.classes_):
                    raise ValueError(f"the members have different classes ({first.classes_} and "
                                     f"{member.classes_}); every member must see every class")
            self.classes_ = first.classes_
        for name in ("n_features_in_", "feature_names_in_") + TABULAR:
            if hasattr(first, name):
                setattr(self, name, getattr(first, name))
        self.estimators_ = list(members)
        return self

    def _members(self, method, X, **kwargs):
        """(K, n_samples, ...) array of every member's ``method(X)``."""
        check_is_fitted(self, "estimators_")
        return np.stack([np.asarray(getattr(m, method)(X, **kwargs), dtype=np.float64)
                         for m in self.estimators_])

    def predict(self, X):
        """The class of the highest mean probability, the mean value or the mean risk score.

        Returns
        -------
        ndarray of shape (n_samples,) (or (n_samples, n_outputs) for several targets)
        """
        if _classifier(self):
            return self.classes_[self.predict_proba(X).argmax(axis=1)]
        return self._members("predict", X).mean(axis=0)

    @available_if(_classifier)
    def predict_proba(self, X):
        """The mean of the members' class probabilities, one column per entry of ``classes_``."""
        return self._members("predict_proba", X).mean(axis=0)

    @available_if(_classifier)
    def predict_proba_interval(self, X, level=0.9):
        """The mean probabilities and the members' ``level`` quantile interval around them.

        A rough spread of the K fitted models (module docstring), not a calibrated interval.

        Parameters
        ----------
        X : array-like or pandas.DataFrame
        level : float in (0, 1), default=0.9
            The share of the members' spread between the ends: the (1 - level)/2 and
            (1 + level)/2 quantiles.

        Returns
        -------
        proba, lower, upper : ndarray of shape (n_samples, n_classes)
        """
        return _interval(self._members("predict_proba", X), level)

    @available_if(_regressor)
    def predict_interval(self, X, level=0.9):
        """The mean prediction and the members' ``level`` quantile interval around it.

        A rough spread of the K fitted models (module docstring), not a prediction interval:
        nothing guarantees how often a new y falls inside; ``ConformalRegressor`` does that.

        Parameters
        ----------
        X : array-like or pandas.DataFrame
        level : float in (0, 1), default=0.9

        Returns
        -------
        prediction, lower, upper : ndarray, each shaped as ``predict(X)``
        """
        return _interval(self._members("predict", X), level)

    @available_if(_survival)
    def predict_survival_function(self, X, return_array=False):
        """S(t | x) = (1/K) sum_k S_k(t | x) on the union of the members' times
        ``unique_times_`` (each S_k a step function, 1 before its first time): scikit-survival
        step functions, or with ``return_array`` an array (n_samples, n_unique_times)."""
        grid = self.unique_times_
        S = 0.0
        for member in self.estimators_:
            own = np.asarray(member.unique_times_, dtype=np.float64)
            values = np.asarray(member.predict_survival_function(X, return_array=True))
            at = np.searchsorted(own, grid, side="right") - 1
            S = S + np.where(at >= 0, values[:, np.maximum(at, 0)], 1.0)
        S = S / len(self.estimators_)
        if return_array:
            return S
        from sksurv.functions import StepFunction
        return np.array([StepFunction(grid, row) for row in S], dtype=object)

    @property
    def unique_times_(self):
        """A survival ensemble's time grid: the union of its members' ``unique_times_``."""
        check_is_fitted(self, "estimators_")
        return np.unique(np.concatenate([np.asarray(m.unique_times_, dtype=np.float64)
                                         for m in self.estimators_]))

    def score(self, X, y, sample_weight=None):
        """The members' own score of the ensemble's predictions: accuracy (classes), R^2 (or a
        Poisson model's D^2), Harrell's C (survival), weighted by ``sample_weight``."""
        check_is_fitted(self, "estimators_")
        scorer = copy.copy(self.estimators_[0])  # its score, with the ensemble's predictions
        scorer.predict = self.predict
        if _classifier(self):
            scorer.predict_proba = self.predict_proba
        weights = {} if sample_weight is None else {"sample_weight": sample_weight}
        return scorer.score(X, y, **weights)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags, tags.regressor_tags = inner.classifier_tags, inner.regressor_tags
        tags.input_tags, tags.target_tags = inner.input_tags, inner.target_tags
        return tags


def _interval(values, level):
    """(mean, lower, upper) of the members' values (axis 0) at ``level``."""
    if isinstance(level, (bool, np.bool_)) or not isinstance(level, numbers.Real) \
            or not 0 < level < 1:
        raise ValueError(f"level={level!r} is invalid: give the share of the members' spread "
                         "as a number in (0, 1), e.g. 0.9")
    lower, upper = np.quantile(values, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return values.mean(axis=0), lower, upper
