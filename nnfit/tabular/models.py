"""``TabularClassifier`` and ``TabularRegressor``: a network on a researcher's own table.

A meta-estimator: the preprocessing of ``preprocess`` (numeric columns standardized,
x~ = (x - mean) / sd; categorical and true/false columns one-hot encoded; optional imputation;
columns left out on request), then the inner ``estimator`` (``MLPClassifier()`` /
``MLPRegressor()`` by default) fitted on the resulting design matrix by the workflow of
``workflow`` (early stopping on held-out rows, a refit on all rows).  The inner estimator's own
input standardization is switched off in the fitted copy ``estimator_``: the numeric columns
arrive standardized already, and the one-hot columns are kept as 0/1 rather than rescaled by
their frequency (the regressor still standardizes its target).  ``save`` writes one ``.nnfit``
file with no pickle (``state``), read back by ``nnfit.load``.
"""
import copy
import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, RegressorMixin, clone
from sklearn.utils.validation import check_is_fitted

from .checks import check_frame, check_range, closest  # noqa: F401 (closest: for the CLI)
from .coefficients import coefficients_in_units
from .docstrings import documented as _documented
from .prefit import check_labels, checked_target, fit_columns
from .preprocess import IMPUTE, names, parts, prepare, rows, transform, warn_unseen
from .state import _TabularFile
from .workflow import fit_with_holdout
from ..estimators.classifier import MLPClassifier
from ..estimators.regressor import MLPRegressor
from ..estimators.weights import check_sample_weight


class _Tabular(_TabularFile, MetaEstimatorMixin, BaseEstimator):
    def __init__(self, estimator=None, *, exclude=(), keep=(), impute=None, refit=True):
        self.estimator = estimator
        self.exclude = exclude
        self.keep = keep
        self.impute = impute
        self.refit = refit

    def set_params(self, **params):
        """As scikit-learn's; ``estimator__name`` also works while ``estimator`` is None."""
        nested = any(key.startswith("estimator__") for key in params)
        if nested and params.get("estimator", self.estimator) is None:
            self.estimator = self._default_estimator()
        return super().set_params(**params)

    def fit(self, X, y, sample_weight=None):
        """Learn the preprocessing on X, then fit the inner estimator on it: early-stopped on
        held-out rows and refitted on all rows for the best epoch count (``refit``; see
        ``nnfit.tabular.workflow``).

        Parameters
        ----------
        X : pandas.DataFrame
            Numeric, categorical and true/false columns with string names.
        y : array-like of shape (n_samples,)
            The target, by position (a named Series gives ``target_name_``).
        sample_weight : array-like of shape (n_samples,), optional
            Weights of the rows (numbers >= 0): a weight of 2 counts the row twice, 0 leaves
            it out, in the preprocessing's means, sds and imputed values
            (``nnfit.tabular.weighted``) as in the inner estimator's fits.

        Returns
        -------
        self
        """
        frame = check_frame(X)
        sample_weight = check_sample_weight(sample_weight, len(frame))
        if self.impute not in IMPUTE:
            raise ValueError(f"impute={self.impute!r} is invalid: choose None, 'mean', 'median' "
                             "or 'most_frequent' (categorical columns: always the most frequent),"
                             " or one of them with '+indicator', e.g. 'median+indicator'")
        if not isinstance(self.refit, (bool, np.bool_)):
            raise ValueError(f"refit={self.refit!r} is invalid: expected True or False")
        excluded = self._checked_columns(frame, "exclude")
        keep = self._checked_columns(frame, "keep")
        left_out = set(excluded)
        used = [c for c in frame.columns if c not in left_out]
        if not used:
            raise ValueError("every column is excluded: nothing is left to predict from")
        y = self._checked_target(y, frame)
        self._check_classes(y)
        prepared = fit_columns(self, frame, used, keep, sample_weight)
        numeric = self.numeric_columns_
        self.excluded_, self.impute_ = excluded, self.impute
        self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        self.n_features_in_ = len(frame.columns)
        self.target_name_ = y.name if isinstance(y, pd.Series) and isinstance(y.name, str) else None
        Z = transform(self.preprocessor_, prepared, len(numeric))
        estimator = clone(self.estimator if self.estimator is not None
                          else self._default_estimator())
        if "standardize" in estimator.get_params():
            estimator.set_params(standardize=False)
        self.estimator_, self.early_stopped_estimator_ = fit_with_holdout(
            estimator, Z, np.asarray(y), sample_weight, self.refit)
        held_out = getattr(self.early_stopped_estimator_, "validation_indices_", [])
        self.validation_index_ = frame.index[np.asarray(held_out, dtype=np.intp)]
        if hasattr(self.estimator_, "classes_"):
            self.classes_ = self.estimator_.classes_
        return self

    def early_stopped_model(self):
        """The model before the refit: the same preprocessing with ``early_stopped_estimator_``.

        Scored on the rows ``validation_index_``, which its network never saw, it estimates
        the error of the refitted model.  Without a refit it is a copy of this model.  A model
        read from a file has neither (model files keep the final network only).

        Returns
        -------
        TabularClassifier or TabularRegressor
        """
        check_is_fitted(self, "estimator_")
        if not hasattr(self, "early_stopped_estimator_"):
            raise AttributeError("this model was read from a model file, which keeps the final "
                                 "network only; the early-stopped fit exists after fit()")
        model = copy.copy(self)
        model.estimator_ = self.early_stopped_estimator_
        return model

    def _checked_columns(self, frame, param):
        """The list of column names of ``exclude`` or ``keep``, each checked."""
        given = getattr(self, param)
        columns = [given] if isinstance(given, str) else given
        if columns is None or not all(isinstance(c, str) for c in np.ravel(list(columns))):
            raise TypeError(f"{param}={given!r} is invalid: give a list of column names")
        for name in columns:
            if name not in frame.columns:
                raise ValueError(f"{param} names column {name!r}, which is not in the "
                                 f"data{closest(name, frame.columns)}; its columns are "
                                 f"{names(frame.columns)}")
        return list(columns)

    def _checked_target(self, y, frame):
        return checked_target(y, frame)

    def _check_classes(self, y):
        """The classifier warns of classes seen once (the regressor: nothing to check)."""

    def _design(self, X):
        """The design matrix the inner estimator sees for the rows of X (float64)."""
        check_is_fitted(self, "estimator_")
        frame = check_frame(X)
        numeric, categorical = self.numeric_columns_, self.categorical_columns_
        prepared = prepare(frame, numeric, categorical, self.impute_, fitting=False,
                           dates=getattr(self, "dates_", None))
        warn_unseen(prepared, categorical, parts(self.preprocessor_)[1])
        Z = transform(self.preprocessor_, prepared, len(numeric))
        dtype = getattr(self.estimator_, "dtype", "float64")
        return check_range(Z, prepared, numeric, dtype, fitting=False)

    coefficients = coefficients_in_units  # the statsmodels table, no hidden layer

    def get_feature_names_out(self, input_features=None):
        """The names of the network's inputs, in the order of the rows of ``coefs_[0]``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            If given, must equal ``feature_names_in_`` (scikit-learn's convention).

        Returns
        -------
        ndarray of str
            The numeric columns, then one ``column_category`` per category of each
            categorical column (as ``OneHotEncoder`` names them).
        """
        check_is_fitted(self, "estimator_")
        if input_features is not None and list(input_features) != list(self.feature_names_in_):
            raise ValueError("input_features is not equal to feature_names_in_; pass None, or "
                             "the columns of the DataFrame given to fit")
        encoder = parts(self.preprocessor_)[1]
        onehot = ([] if encoder is None else
                  list(encoder.get_feature_names_out(self.categorical_columns_)))
        indicators = [f"{name}_missing" for name in getattr(self.preprocessor_, "indicators_", [])]
        return np.asarray(list(self.numeric_columns_) + onehot + indicators, dtype=object)

    def predict(self, X):
        """One prediction per row of X, as a NumPy array."""
        return np.asarray(self.estimator_.predict(self._design(X)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = self.impute is not None
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        return tags


@_documented(inner="MLPClassifier", methods="``predict``, ``predict_proba`` and ``score``",
             holdout="``MLPClassifier()`` holds out 10 % of the rows")
class TabularClassifier(ClassifierMixin, _Tabular):
    """A network classifier on a DataFrame of numeric, categorical and true/false columns.

    {summary}

    Parameters
    ----------
    {parameters}
    allow_similar_classes : bool, default=False
        False: a label of y that differs from another only by case or spaces, or by one letter
        from a far more frequent one ('mm' in 3 rows beside 'M' in 400), is refused as a
        probable typo, naming the rows (``nnfit.tabular.prefit``); True accepts such classes.

    Attributes
    ----------
    {attributes}
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
    >>> network = MLPClassifier(hidden_layer_sizes=(10,), early_stopping=True, random_state=0)
    >>> model = TabularClassifier(network).fit(frame.drop(columns="default"), frame["default"])
    >>> model.numeric_columns_, model.categorical_columns_
    (['balance', 'income'], ['student'])
    >>> best = model.early_stopped_estimator_.best_epoch_  # chosen on 200 held-out rows
    >>> len(model.validation_index_), model.estimator_.n_iter_ == best  # refit: all 2000 rows
    (200, True)
    >>> model.predict_proba(frame.drop(columns="default").iloc[:3]).shape
    (3, 2)
    """

    def __init__(self, estimator=None, *, exclude=(), keep=(), impute=None, refit=True,
                 allow_similar_classes=False):
        super().__init__(estimator, exclude=exclude, keep=keep, impute=impute, refit=refit)
        self.allow_similar_classes = allow_similar_classes

    @staticmethod
    def _default_estimator():
        return MLPClassifier()

    def _check_classes(self, y):
        check_labels(y, self.allow_similar_classes)
        counts = y.value_counts(sort=False)
        single = counts.index[counts.to_numpy() == 1]
        if len(single) and len(counts) > 1:
            warnings.warn(f"class(es) {names(single)} of the target have a single row (of "
                          f"{len(y)}): a network hardly learns a class from one example, and "
                          "early stopping keeps that row for training, so the held-out rows "
                          "never test it; gather more rows of those classes, or merge them "
                          "into others",
                          UserWarning, stacklevel=3)

    def predict_proba(self, X):
        """Class probabilities, one column per entry of ``classes_``."""
        return np.asarray(self.estimator_.predict_proba(self._design(X)))


@_documented(inner="MLPRegressor", methods="``predict`` and ``score`` (R^2)",
             holdout="``MLPRegressor()`` does so from 10,000 rows on")
class TabularRegressor(RegressorMixin, _Tabular):
    """A network regressor on a DataFrame of numeric, categorical and true/false columns.

    {summary}

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    {attributes}

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
    >>> len(model.validation_index_)  # below 10,000 rows nothing is held out: 200 epochs
    0
    >>> model.predict(frame.drop(columns="Salary").iloc[:2]).shape
    (2,)
    """

    @staticmethod
    def _default_estimator():
        return MLPRegressor()
