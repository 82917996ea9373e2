"""``ConformalRegressor``: prediction intervals of a fitted regressor by conformal prediction,
computed by MAPIE (``mapie.regression``, its public API; ``pip install 'nnfit[conformal]'``).

Split conformal (``method="split"``, Vovk et al. 2005; Lei et al. 2018): the rows are split at
random into a training part, on which a clone of ``estimator`` is fitted, and m calibration
rows with absolute residuals s_i = |y_i - f(x_i)|.  With alpha = 1 - level, q is the
ceil((m + 1)(1 - alpha))-th smallest s_i, and the interval of a new row is

    [f(x) - q, f(x) + q],   P(y in interval) >= 1 - alpha

for exchangeable rows, averaged over the calibration draw (and below 1 - alpha + 1/(m + 1)
when the residuals have no ties).  It needs m >= 1/alpha - 1 calibration rows, or q would be
infinite.  ``method="prefit"`` does the same with an estimator fitted already: all rows given
to ``fit`` calibrate it.

CV+ (``method="cross"``, Barber et al. 2021): K folds; f_{-k} is fitted without fold k and
s_i = |y_i - f_{-k(i)}(x_i)| on its own fold.  The interval is

    [ q_alpha^-{ f_{-k(i)}(x) - s_i },  q_{1-alpha}^+{ f_{-k(i)}(x) + s_i } ]

(the lower and upper empirical quantiles over the n rows i), with coverage >= 1 - 2 alpha in
theory and about 1 - alpha in practice; the point prediction is the mean of the K fold
models' predictions (MAPIE's default).  No row is set aside, at the price of K + 1 fits
(MAPIE also fits one model on all rows).

MAPIE checks a prefit model that has ``n_features_in_`` by predicting a plain array of zeros,
which a model of DataFrames (``TabularRegressor``) refuses.  The fitted model is therefore
handed to MAPIE's ``SplitConformalRegressor(prefit=True)`` inside a small wrapper that only
predicts and says it is fitted (``is_fitted``, one of the attributes MAPIE looks for), so the
same code serves arrays and DataFrames; CV+ clones and fits the estimator itself on the folds
(``CrossConformalRegressor.fit_conformalize``), which DataFrames pass as they are.
"""
import numbers

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, MetaEstimatorMixin, RegressorMixin, clone
from sklearn.model_selection import KFold, train_test_split
from sklearn.utils.validation import check_is_fitted

from .regressor import MLPRegressor

METHODS = ("split", "cross", "prefit")


class ConformalRegressor(MetaEstimatorMixin, RegressorMixin, BaseEstimator):
    """Prediction intervals with a stated coverage around any regressor, by conformal prediction.

    Fitting splits off calibration rows (``method="split"``), uses K folds (``"cross"``, CV+)
    or calibrates an estimator fitted already (``"prefit"``); ``predict_interval`` then returns
    the prediction and an interval that holds a new row's y with probability ``level`` (for
    rows exchangeable with the ones given to ``fit``).  The module docstring states the
    intervals.  Works for ``MLPRegressor`` on arrays and ``TabularRegressor`` on DataFrames,
    and for any scikit-learn regressor.

    Parameters
    ----------
    estimator : regressor or None, default=None
        The model; None means ``MLPRegressor()``.  With ``method="prefit"`` it must be fitted.
    level : float, default=0.9
        The coverage of the intervals, in (0, 1): 0.9 for 90 % intervals.
    method : {"split", "cross", "prefit"}, default="split"
        Split conformal (one fit), CV+ (``cv`` fits plus one) or split conformal of a fitted
        ``estimator`` on the rows given to ``fit``.
    cv : int, default=5
        The number of folds of ``method="cross"``, >= 2.
    calibration_size : float or int, default=0.25
        ``method="split"``: the share (float in (0, 1)) or number (int) of the rows set aside
        to calibrate the intervals; at least 1/(1 - level) - 1 rows (9 for 90 %).
    random_state : int or None, default=None
        Seed of the calibration split and of the folds' shuffle (the estimator's own
        randomness is its ``random_state``'s).

    Attributes
    ----------
    estimator_ : regressor
        ``method="split"`` and ``"prefit"``: the fitted model whose predictions the intervals
        surround (``"cross"`` has the K fold models inside ``mapie_``, no single one).
    mapie_ : mapie.regression.SplitConformalRegressor or CrossConformalRegressor
        The conformalized MAPIE object.
    n_calibration_ : int
        The number of rows whose residuals calibrate the intervals.
    half_width_ : float
        ``method="split"`` and ``"prefit"``: q, the half-width of every interval (prediction
        -/+ q), what ``nnfit fit --interval`` stores in the model file.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.model_selection import train_test_split
    >>> import nnfit
    >>> X, y = load_diabetes(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    >>> model = nnfit.ConformalRegressor(nnfit.MLPRegressor((16,), epochs=50, random_state=0),
    ...                                  level=0.9, random_state=0).fit(X_train, y_train)
    >>> prediction, lower, upper = model.predict_interval(X_test)
    >>> model.n_calibration_, bool(((lower <= prediction) & (prediction <= upper)).all())
    (83, True)
    >>> coverage = ((lower <= y_test) & (y_test <= upper)).mean()  # 0.89 of 111 test rows
    >>> bool(0.8 < coverage < 1)
    True
    """

    def __init__(self, estimator=None, *, level=0.9, method="split", cv=5, calibration_size=0.25,
                 random_state=None):
        self.estimator = estimator
        self.level = level
        self.method = method
        self.cv = cv
        self.calibration_size = calibration_size
        self.random_state = random_state

    def fit(self, X, y):
        """Fit the model (not with ``method="prefit"``) and calibrate its intervals.

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_features)
            What ``estimator`` takes: an array for ``MLPRegressor``, a DataFrame for
            ``TabularRegressor``.
        y : array-like of shape (n_samples,)
            One numeric target (a named Series passes its name on to the model).

        Returns
        -------
        self
        """
        regression = _mapie_regression()
        level = self._checked_level()
        checked = _checked_target(y)
        y = y if isinstance(y, pd.Series) else checked  # a Series keeps its name for the model
        if len(y) != _num_rows(X):
            raise ValueError(f"X has {_num_rows(X)} rows but y has {len(y)}")
        if self.method not in METHODS:
            raise ValueError(f"method={self.method!r} is invalid: choose 'split', 'cross' or "
                             "'prefit'")
        estimator = MLPRegressor() if self.estimator is None else self.estimator
        need = int(np.ceil(1 / (1 - level) - 1 - 1e-9))  # m >= 1/alpha - 1: a finite quantile
        if self.method == "cross":
            if isinstance(self.cv, (bool, np.bool_)) or not isinstance(self.cv, numbers.Integral) \
                    or not 2 <= self.cv <= len(y):
                raise ValueError(f"cv={self.cv!r} is invalid: give a whole number of folds "
                                 f"from 2 to the number of rows ({len(y)})")
            _check_enough(len(y), need, level, "rows")
            folds = KFold(int(self.cv), shuffle=True, random_state=self.random_state)
            self.mapie_ = regression.CrossConformalRegressor(
                clone(estimator), confidence_level=level, method="plus", cv=folds)
            self.mapie_.fit_conformalize(X, y)
            self.n_calibration_ = len(y)
            return self
        if self.method == "prefit":
            check_is_fitted(estimator)
            fitted, X_cal, y_cal = estimator, X, y
        else:
            X_fit, X_cal, y_fit, y_cal = train_test_split(
                X, y, test_size=self._checked_calibration_size(len(y)),
                random_state=self.random_state)
            fitted = clone(estimator).fit(X_fit, y_fit)
        _check_enough(len(y_cal), need, level, "calibration rows")
        self.mapie_ = regression.SplitConformalRegressor(
            _Fitted(fitted), confidence_level=level, prefit=True).conformalize(X_cal, y_cal)
        self.estimator_, self.n_calibration_ = fitted, len(y_cal)
        self.half_width_ = self._half_width(X_cal.iloc[:1] if hasattr(X_cal, "iloc") else X_cal[:1])
        return self

    def _half_width(self, row):
        """q, the calibration rows' conformity score MAPIE adds to and subtracts from every
        prediction of the split interval (read back exactly from one row's interval)."""
        prediction, lower, upper = self.predict_interval(row)
        scores = np.asarray(self.mapie_.conformity_scores, dtype=np.float64)
        q = float(scores[np.argmin(np.abs(scores - (upper[0] - prediction[0])))])
        if not (prediction[0] + q == upper[0] and prediction[0] - q == lower[0]):
            q = float(upper[0] - prediction[0])  # not an absolute residual: MAPIE's width
        return q

    def predict(self, X):
        """The point predictions, as ``predict_interval``'s first array."""
        check_is_fitted(self, "mapie_")
        return np.asarray(self.mapie_.predict(X), dtype=np.float64)

    def predict_interval(self, X):
        """The prediction and the ``level`` interval of each row.

        Parameters
        ----------
        X : array-like or pandas.DataFrame
            As for ``fit``.

        Returns
        -------
        prediction, lower, upper : ndarray of shape (n_samples,)
            The point prediction and the interval's ends, lower <= upper.
        """
        check_is_fitted(self, "mapie_")
        points, intervals = self.mapie_.predict_interval(X)
        return (np.asarray(points, dtype=np.float64), intervals[:, 0, 0].astype(np.float64),
                intervals[:, 1, 0].astype(np.float64))

    def _checked_level(self):
        level = self.level
        if isinstance(level, (bool, np.bool_)) or not isinstance(level, numbers.Real) \
                or not 0 < level < 1:
            hint = (f": give {level / 100:g} for {level:g} % intervals"
                    if isinstance(level, numbers.Real) and 50 <= level < 100 else "")
            raise ValueError(f"level={level!r} is invalid: give the coverage as a number in "
                             f"(0, 1), e.g. 0.9{hint}")
        return float(level)

    def _checked_calibration_size(self, n):
        size = self.calibration_size
        if isinstance(size, (bool, np.bool_)) or not (
                (isinstance(size, numbers.Integral) and 1 <= size < n)
                or (isinstance(size, numbers.Real) and not isinstance(size, numbers.Integral)
                    and 0 < size < 1)):
            raise ValueError(f"calibration_size={size!r} is invalid: give a share in (0, 1) or "
                             f"a whole number of rows from 1 to {n - 1}")
        return size

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        return tags


class _Fitted(RegressorMixin, BaseEstimator):
    """A fitted model as MAPIE's prefit split conformal takes it: its ``predict`` and nothing
    to fit, without the ``n_features_in_`` that sends MAPIE to probe it with a plain array."""

    is_fitted = True

    def __init__(self, model):
        self.model = model

    def fit(self, X, y):
        raise RuntimeError("the model is fitted already: ConformalRegressor fits it")

    def predict(self, X):
        return np.asarray(self.model.predict(X), dtype=np.float64).reshape(-1)

    def __sklearn_is_fitted__(self):
        return True


def _mapie_regression():
    try:
        import mapie.regression
    except ImportError:
        raise ImportError("ConformalRegressor needs MAPIE: pip install 'nnfit[conformal]'") \
            from None
    return mapie.regression


def _checked_target(y):
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"y must be one numeric target per row; got shape {y.shape}")
    if y.dtype.kind not in "iuf" or not np.isfinite(y).all():
        raise ValueError("y must hold finite numbers")
    return y.astype(np.float64)


def _num_rows(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)


def _check_enough(m, need, level, what):
    if m < need:
        raise ValueError(f"{level:g} intervals need at least {need} {what} (1/(1 - level) - 1); "
                         f"got {m}: give more rows, a larger calibration_size or a lower level")
