"""``TabularClassifier`` and ``TabularRegressor``: a network on a researcher's own table.

A meta-estimator: the preprocessing of ``_preprocess`` (numeric columns standardized,
x~ = (x - mean) / sd; categorical and true/false columns one-hot encoded; optional imputation;
columns left out on request), then the inner ``estimator`` (``MLPClassifier()`` /
``MLPRegressor()`` by default) fitted on the resulting design matrix.  The inner estimator's own
input standardization is switched off in the fitted copy ``estimator_``: the numeric columns
arrive standardized already, and the one-hot columns are kept as 0/1 rather than rescaled by
their frequency (the regressor still standardizes its target).  ``save`` writes one ``.nnfit``
file with no pickle (``state``), read back by ``nnfit.load``.
"""
import difflib

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, RegressorMixin, clone
from sklearn.utils.validation import check_is_fitted

from .preprocess import (IMPUTE, check_range, column_kinds, fit_preprocessor, names, parts,
                          prepare, rows, warn_unseen)
from .state import _TabularFile


def closest(name, candidates):
    """' (did you mean 'Salary'?)' for the nearest name, ignoring case; '' if none is close."""
    lowered = {str(c).lower(): c for c in candidates}
    match = difflib.get_close_matches(str(name).lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean {lowered[match[0]]!r}?)" if match else ""


def check_frame(X):
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"X must be a pandas DataFrame with named columns, not "
                        f"{type(X).__name__}; for a plain array use MLPClassifier/MLPRegressor")
    odd = [c for c in X.columns if not isinstance(c, str)]
    if odd:
        raise TypeError(f"column names must be strings; got {odd[:5]!r}: name the columns, "
                        "e.g. X.columns = [f'x{j}' for j in range(X.shape[1])]")
    if X.columns.duplicated().any():
        raise ValueError(f"column name(s) {names(X.columns[X.columns.duplicated()])} occur more "
                         "than once; rename them")
    if len(X) == 0:
        raise ValueError("X has no rows")
    return X


class _Tabular(_TabularFile, MetaEstimatorMixin, BaseEstimator):
    def __init__(self, estimator=None, *, exclude=(), impute=None):
        self.estimator = estimator
        self.exclude = exclude
        self.impute = impute

    def set_params(self, **params):
        """As scikit-learn's; ``estimator__name`` also works while ``estimator`` is None."""
        nested = any(key.startswith("estimator__") for key in params)
        if nested and params.get("estimator", self.estimator) is None:
            self.estimator = self._default_estimator()
        return super().set_params(**params)

    def fit(self, X, y, sample_weight=None):
        """Learn the preprocessing on X, then fit the inner estimator on it (``sample_weight``,
        if given, goes to the inner estimator's fit)."""
        frame = check_frame(X)
        if self.impute not in IMPUTE:
            raise ValueError(f"impute={self.impute!r} is invalid: choose None, 'mean', 'median' "
                             "or 'most_frequent' (categorical columns: always the most frequent)")
        excluded = self._checked_exclude(frame)
        used = [c for c in frame.columns if c not in excluded]
        if not used:
            raise ValueError("every column is excluded: nothing is left to predict from")
        y = self._checked_target(y, frame)
        numeric, categorical = column_kinds(frame, used)
        prepared = prepare(frame, numeric, categorical, self.impute)
        self.preprocessor_ = fit_preprocessor(prepared, numeric, categorical, self.impute)
        self.numeric_columns_, self.categorical_columns_ = numeric, categorical
        self.excluded_, self.impute_ = excluded, self.impute
        self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        self.n_features_in_ = len(frame.columns)
        self.target_name_ = y.name if isinstance(y, pd.Series) and isinstance(y.name, str) else None
        Z = self.preprocessor_.transform(prepared)
        self.estimator_ = clone(self.estimator if self.estimator is not None
                                else self._default_estimator())
        if "standardize" in self.estimator_.get_params():
            self.estimator_.set_params(standardize=False)
        weights = {} if sample_weight is None else {"sample_weight": sample_weight}
        self.estimator_.fit(Z, np.asarray(y), **weights)
        if hasattr(self.estimator_, "classes_"):
            self.classes_ = self.estimator_.classes_
        return self

    def _checked_exclude(self, frame):
        exclude = [self.exclude] if isinstance(self.exclude, str) else self.exclude
        if exclude is None or not all(isinstance(c, str) for c in np.ravel(list(exclude))):
            raise TypeError(f"exclude={self.exclude!r} is invalid: give a list of column names")
        exclude = list(exclude)
        for name in exclude:
            if name not in frame.columns:
                raise ValueError(f"exclude names column {name!r}, which is not in the "
                                 f"data{closest(name, frame.columns)}; its columns are "
                                 f"{names(frame.columns)}")
        return exclude

    def _checked_target(self, y, frame):
        if isinstance(y, pd.DataFrame) and y.shape[1] == 1:
            y = y.iloc[:, 0]
        name = y.name if isinstance(y, pd.Series) else None
        values = np.asarray(y)
        if values.ndim != 1 or len(values) != len(frame):
            raise ValueError(f"y must hold one value per row of X ({len(frame)}); got shape "
                             f"{values.shape}")
        y = pd.Series(values, index=frame.index, name=name)  # by position, as scikit-learn
        missing = y.isna().to_numpy()
        if missing.any():
            raise ValueError(f"the target has missing values in {rows(frame.index[missing])}; "
                             "drop those rows")
        return y

    def _design(self, X):
        """The design matrix the inner estimator sees for the rows of X (float64)."""
        check_is_fitted(self, "estimator_")
        frame = check_frame(X)
        numeric, categorical = self.numeric_columns_, self.categorical_columns_
        prepared = prepare(frame, numeric, categorical, self.impute_)
        warn_unseen(prepared, categorical, parts(self.preprocessor_)[1])
        Z = self.preprocessor_.transform(prepared)
        dtype = getattr(self.estimator_, "dtype", "float64")
        return check_range(Z, prepared, numeric, dtype)

    def predict(self, X):
        """One prediction per row of X, as a NumPy array."""
        return np.asarray(self.estimator_.predict(self._design(X)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = self.impute is not None
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        return tags


class TabularClassifier(ClassifierMixin, _Tabular):
    """A network classifier on a DataFrame of numeric, categorical and true/false columns.

    A meta-estimator: ``fit(X, y, sample_weight=None)`` learns the preprocessing of the
    DataFrame X (numeric columns standardized, categorical and true/false columns one-hot
    encoded, optionally missing values imputed) and fits the inner ``MLPClassifier`` on the
    result; ``predict``, ``predict_proba`` and ``score`` apply the same preprocessing to new
    rows (a category never seen in ``fit`` is encoded as all zeros, with an
    ``UnseenCategoryWarning``); ``save(path, key=None)`` writes preprocessing and network into one
    model file for ``nnfit.load``.  The command ``nnfit fit`` builds the same model from a CSV file.

    Parameters
    ----------
    estimator : MLPClassifier or None, default=None
        The network fitted on the preprocessed columns; None means ``MLPClassifier()``.  It is cloned
        into ``estimator_``, with its own input standardization switched off (the numeric
        columns arrive standardized, the one-hot columns stay 0/1).  Its parameters are
        reachable as ``estimator__name`` in ``set_params`` and ``GridSearchCV``.
    exclude : sequence of str, default=()
        Columns left out of the predictors, e.g. an identifier.
    impute : {None, "mean", "median", "most_frequent"}, default=None
        None: a missing value is an error naming its column and rows.  Otherwise missing values
        of numeric columns are replaced by the training column's mean, median or most frequent
        value, and those of categorical columns by their most frequent category.

    Attributes
    ----------
    estimator_ : MLPClassifier
        The fitted network.
    preprocessor_ : sklearn.compose.ColumnTransformer
        The fitted preprocessing: numeric columns standardized, x~ = (x - mean) / sd;
        categorical and true/false columns one-hot encoded.
    numeric_columns_, categorical_columns_ : list of str
        The columns of each kind, as detected in ``fit``.
    excluded_ : list of str
        The columns left out.
    feature_names_in_ : ndarray of str
        All columns of the DataFrame given to ``fit``.
    n_features_in_ : int
        Their number.
    target_name_ : str or None
        The name of ``y`` when it was a named Series.
    classes_ : ndarray
        The class labels, sorted.

    See Also
    --------
    TabularRegressor : the same for a numeric target.

    Examples
    --------
    >>> from nnfit import MLPClassifier, TabularClassifier
    >>> from nnfit.datasets import load_default
    >>> frame = load_default().frame.iloc[:2000]
    >>> model = TabularClassifier(MLPClassifier(hidden_layer_sizes=(10,), random_state=0))
    >>> model = model.fit(frame.drop(columns="default"), frame["default"])
    >>> model.numeric_columns_, model.categorical_columns_
    (['balance', 'income'], ['student'])
    >>> model.predict_proba(frame.drop(columns="default").iloc[:3]).shape
    (3, 2)
    """

    @staticmethod
    def _default_estimator():
        from ..estimators.classifier import MLPClassifier
        return MLPClassifier()

    def predict_proba(self, X):
        """Class probabilities, one column per entry of ``classes_``."""
        return np.asarray(self.estimator_.predict_proba(self._design(X)))


class TabularRegressor(RegressorMixin, _Tabular):
    """A network regressor on a DataFrame of numeric, categorical and true/false columns.

    A meta-estimator: ``fit(X, y, sample_weight=None)`` learns the preprocessing of the
    DataFrame X (numeric columns standardized, categorical and true/false columns one-hot
    encoded, optionally missing values imputed) and fits the inner ``MLPRegressor`` on the
    result; ``predict`` and ``score`` (R^2) apply the same preprocessing to new rows (a category
    never seen in ``fit`` is encoded as all zeros, with an ``UnseenCategoryWarning``);
    ``save(path, key=None)`` writes preprocessing and network into one model file for
    ``nnfit.load``.  The command ``nnfit fit`` builds the same model from a CSV file.

    Parameters
    ----------
    estimator : MLPRegressor or None, default=None
        The network fitted on the preprocessed columns; None means ``MLPRegressor()``.  It is cloned
        into ``estimator_``, with its own input standardization switched off (the numeric
        columns arrive standardized, the one-hot columns stay 0/1).  Its parameters are
        reachable as ``estimator__name`` in ``set_params`` and ``GridSearchCV``.
    exclude : sequence of str, default=()
        Columns left out of the predictors, e.g. an identifier.
    impute : {None, "mean", "median", "most_frequent"}, default=None
        None: a missing value is an error naming its column and rows.  Otherwise missing values
        of numeric columns are replaced by the training column's mean, median or most frequent
        value, and those of categorical columns by their most frequent category.

    Attributes
    ----------
    estimator_ : MLPRegressor
        The fitted network.
    preprocessor_ : sklearn.compose.ColumnTransformer
        The fitted preprocessing: numeric columns standardized, x~ = (x - mean) / sd;
        categorical and true/false columns one-hot encoded.
    numeric_columns_, categorical_columns_ : list of str
        The columns of each kind, as detected in ``fit``.
    excluded_ : list of str
        The columns left out.
    feature_names_in_ : ndarray of str
        All columns of the DataFrame given to ``fit``.
    n_features_in_ : int
        Their number.
    target_name_ : str or None
        The name of ``y`` when it was a named Series.

    See Also
    --------
    TabularClassifier : the same for class labels.

    Examples
    --------
    >>> from nnfit import MLPRegressor, TabularRegressor
    >>> from nnfit.datasets import load_hitters
    >>> frame = load_hitters().frame
    >>> model = TabularRegressor(MLPRegressor(hidden_layer_sizes=(10,), random_state=0))
    >>> model = model.fit(frame.drop(columns="Salary"), frame["Salary"])
    >>> model.categorical_columns_
    ['League', 'Division', 'NewLeague']
    >>> model.predict(frame.drop(columns="Salary").iloc[:2]).shape
    (2,)
    """

    @staticmethod
    def _default_estimator():
        from ..estimators.regressor import MLPRegressor
        return MLPRegressor()
