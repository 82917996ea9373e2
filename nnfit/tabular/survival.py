"""``TabularSurvival``: a Cox network (``MLPSurvival``) on a researcher's own table.

The same meta-estimator as ``TabularClassifier`` and ``TabularRegressor`` (``models``): the
preprocessing of ``preprocess`` (numeric columns standardized, categorical and true/false
columns one-hot encoded, optional imputation, columns left out on request), then the inner
``estimator`` (``MLPSurvival()`` by default) fitted on the design matrix by the workflow of
``workflow`` (early stopping on held-out rows, stratified by event, then a refit on all rows).
y is scikit-survival's structured array of (event, time), as ``sksurv.util.Surv.from_arrays``
or ``outcomes.survival_target(frame, time, event)`` makes it; its rows are checked, naming the
fields and the rows, before anything is fitted.

``predict`` is the risk score eta(x), the log relative hazard (higher = earlier event);
``predict_survival_function`` and ``predict_cumulative_hazard_function`` are the inner
estimator's (Breslow's baseline hazard on the rows of the fit); ``survival_at(X, times)`` is
S(t | x) at given times, the right-continuous step function of the fit's distinct times (1
before the first); ``score`` is Harrell's C.  The model file keeps the baseline hazard and the
names of the two outcome columns (``state``).
"""
import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from .docstrings import documented as _documented
from .models import _Tabular
from .outcomes import check_outcome
from ..estimators.survival import MLPSurvival, concordance


@_documented(inner="MLPSurvival", methods="``predict`` (the risk score), "
             "``predict_survival_function``, ``survival_at`` and ``score`` (Harrell's C)",
             holdout="``MLPSurvival()`` does so from 10,000 rows on")
class TabularSurvival(_Tabular):
    """A Cox proportional-hazards network on a DataFrame of numeric, categorical and true/false
    columns, with a survival outcome y = (event, time).

    {summary}

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    {attributes}
    event_name_, time_name_ : str
        The names of the two fields of y (the event and time columns of ``nnfit fit``).

    See Also
    --------
    MLPSurvival : the network on a plain array.
    nnfit.tabular.outcomes.survival_target : y from a table's time and event columns.

    Examples
    --------
    >>> from sksurv.datasets import load_veterans_lung_cancer
    >>> from nnfit import MLPSurvival, TabularSurvival
    >>> X, y = load_veterans_lung_cancer()
    >>> model = TabularSurvival(MLPSurvival(hidden_layer_sizes=(8,), random_state=0)).fit(X, y)
    >>> model.categorical_columns_
    ['Celltype', 'Prior_therapy', 'Treatment']
    >>> model.survival_at(X.iloc[:2], [30, 180]).shape
    (2, 2)
    >>> model.score(X, y) > 0.7
    True
    """

    @staticmethod
    def _default_estimator():
        return MLPSurvival()

    def fit(self, X, y, sample_weight=None):
        """Learn the preprocessing on X, then fit the inner ``MLPSurvival`` on it: early-stopped
        on held-out rows and refitted on all rows for the best epoch count (``refit``).

        Parameters
        ----------
        X : pandas.DataFrame
            Numeric, categorical and true/false columns with string names.
        y : structured array of shape (n_samples,)
            (event, time) pairs by position, as ``sksurv.util.Surv.from_arrays`` makes them.
        sample_weight : array-like of shape (n_samples,), optional
            Weights of the rows in the partial likelihood and the baseline hazard.

        Returns
        -------
        self
        """
        super().fit(X, y, sample_weight=sample_weight)
        self.event_name_, self.time_name_ = np.asarray(y).dtype.names
        return self

    def _checked_target(self, y, frame):
        names = getattr(getattr(y, "dtype", None), "names", None)
        if names is None or len(names) != 2 or np.ndim(y) != 1:
            raise ValueError("y must be a structured array of (event, time) pairs, one per row, "
                             "as sksurv.util.Surv.from_arrays(event, time) makes it, or "
                             "nnfit.tabular.outcomes.survival_target(frame, time, event); got "
                             f"{type(y).__name__} of shape {np.shape(y)}")
        if len(y) != len(frame):
            raise ValueError(f"y must hold one (event, time) pair per row of X ({len(frame)}); "
                             f"got {len(y)}")
        event_name, time_name = names
        event, time = check_outcome(y[event_name], y[time_name], frame.index, event_name,
                                    time_name)
        checked = np.empty(len(frame), dtype=[(event_name, bool), (time_name, np.float64)])
        checked[event_name], checked[time_name] = event, time
        return checked

    @property
    def unique_times_(self):
        """The distinct times of the rows the network was fitted on (its baseline's grid)."""
        check_is_fitted(self, "estimator_")
        return np.asarray(self.estimator_.unique_times_, dtype=np.float64)

    def predict_survival_function(self, X, return_array=False):
        """S(t | x): scikit-survival step functions, one per row of X, or with ``return_array``
        an array of shape (n_samples, n_unique_times) over ``unique_times_``."""
        return self.estimator_.predict_survival_function(self._design(X),
                                                         return_array=return_array)

    def predict_cumulative_hazard_function(self, X, return_array=False):
        """H(t | x) = H_0(t) exp(eta(x)), as ``predict_survival_function``."""
        return self.estimator_.predict_cumulative_hazard_function(self._design(X),
                                                                  return_array=return_array)

    def survival_at(self, X, times):
        """S(t | x) at each of ``times`` for each row of X.

        S is the step function over ``unique_times_`` (1 before the first of them); a time
        beyond the last is refused, since the baseline hazard is not estimated there.

        Parameters
        ----------
        X : pandas.DataFrame
        times : array-like of float
            Times >= 0, in the units of the fit's times.

        Returns
        -------
        ndarray of shape (n_samples, len(times))
        """
        times = checked_times(times)
        grid = self.unique_times_
        beyond = times > grid[-1]
        if beyond.any():
            raise ValueError(f"time(s) {', '.join(f'{t:g}' for t in times[beyond])} lie beyond "
                             f"the last time of the rows the model was fitted on, {grid[-1]:g}: "
                             "the survival function is not estimated there; give times up to "
                             f"{grid[-1]:g}")
        S = np.asarray(self.predict_survival_function(X, return_array=True), dtype=np.float64)
        index = np.searchsorted(grid, times, side="right") - 1
        return np.where(index >= 0, S[:, np.maximum(index, 0)], 1.0)

    def score(self, X, y):
        """Harrell's concordance index of the risk score ``predict(X)`` on y = (event, time)."""
        event, time = labelled_outcome(y, X)
        return concordance(event, time, self.predict(X))


def labelled_outcome(y, X):
    """(event, time) of the rows of X (a DataFrame names them by its index labels) from the
    structured y, checked as ``TabularSurvival.fit`` checks them."""
    y = np.asarray(y)
    names = getattr(y.dtype, "names", None)
    if names is None or len(names) != 2 or y.ndim != 1:
        raise ValueError("y must be a structured array of (event, time) pairs, as "
                         "sksurv.util.Surv.from_arrays(event, time) makes it")
    if len(y) != len(X):
        raise ValueError(f"y has {len(y)} (event, time) pairs but X has {len(X)} rows")
    index = X.index if isinstance(X, pd.DataFrame) else pd.RangeIndex(len(y))
    return check_outcome(y[names[0]], y[names[1]], index, *names)


def checked_times(times):
    """``times`` as a 1-D float64 array of finite numbers >= 0, or a ValueError saying which."""
    try:
        values = np.atleast_1d(np.asarray(times, dtype=np.float64))
    except (TypeError, ValueError):
        raise ValueError(f"times must be numbers, got {times!r}") from None
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"times must be a list of one or more numbers, got {times!r}")
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        raise ValueError(f"times must be finite numbers >= 0; got {values[bad][0]:g}")
    return values
