"""Docstring text shared by ``TabularClassifier`` and ``TabularRegressor``, written once: the
numpydoc fragments are filled in with each class's names and put into its docstring at import,
so that ``help()`` of each class stays complete."""

_COMMON = {
    "summary": """A meta-estimator: ``fit(X, y, sample_weight=None)`` learns the preprocessing of
    the DataFrame X (numeric columns standardized, categorical and true/false columns one-hot
    encoded, optionally missing values imputed) and fits the inner ``{inner}`` on the result,
    stopping early on held-out rows and refitting on all rows for the best epoch count
    (``refit``);
    {methods} apply the same preprocessing to new rows (a category never seen in ``fit`` is
    encoded as all zeros, with an ``UnseenCategoryWarning``); ``save(path, key=None)`` writes
    preprocessing and network into one model file for ``nnfit.load``.  The command ``nnfit fit``
    builds the same model from a CSV file: with the same seed it is this model.""",
    "parameters": """estimator : {inner} or None, default=None
        The network fitted on the preprocessed columns; None means ``{inner}()``.  It is
        cloned into ``estimator_``, with its own input standardization switched off (the numeric
        columns arrive standardized, the one-hot columns stay 0/1).  Its parameters are
        reachable as ``estimator__name`` in ``set_params`` and ``GridSearchCV``.
    exclude : sequence of str, default=()
        Columns left out of the predictors, e.g. an identifier.
    keep : sequence of str, default=()
        Columns used as predictors even though they look like identifiers (unique text, a
        1..n row number, ...), which are otherwise left out with a warning
        (``nnfit.tabular.prefit``); dates always enter as days since the earliest.
    impute : {{None, "mean", "median", "most_frequent", "median+indicator", ...}}, default=None
        None: a missing value is an error naming its column and rows.  Otherwise missing values
        of numeric columns are replaced by the training column's mean, median or most frequent
        value, and those of categorical columns by their most frequent category, with a warning
        saying how many in each column (``imputed_``); '+indicator' adds a 0/1 column
        ``COLUMN_missing`` for each column with missing values in fit.
    refit : bool, default=True
        Fit the inner estimator twice when it holds rows out to stop early
        ({holdout}): first with early stopping on the held-out rows, then afresh on all
        rows for the best epoch count b of that fit, with nothing held out
        (``nnfit.tabular.workflow``).  False keeps the early-stopped fit, which never trained
        on the held-out rows.""",
    "attributes": """estimator_ : {inner}
        The fitted network: the refit when there was one.
    early_stopped_estimator_ : {inner}
        The fit on the training rows that chose the epoch count; ``estimator_`` itself when
        nothing was held out or ``refit=False``.  ``early_stopped_model()`` puts it behind the
        same preprocessing.
    validation_index_ : pandas.Index
        The labels of X's rows held out by that fit (empty when none were).  Neither this nor
        ``early_stopped_estimator_`` is stored in model files.
    preprocessor_ : sklearn.compose.ColumnTransformer
        The fitted preprocessing: numeric columns standardized, x~ = (x - mean) / sd;
        categorical and true/false columns one-hot encoded.
    numeric_columns_, categorical_columns_ : list of str
        The columns of each kind, as detected in ``fit`` (dates among the numeric ones).
    dates_ : dict
        {{column: (origin, format)}} of the date columns: each enters as the days since its
        origin, the earliest date in fit (format: of dates written as text).
    identifiers_ : list of str
        The columns left out as identifiers (``keep`` keeps them).
    imputed_ : dict
        {{column: {{"cells", "strategy", "value", "indicator"}}}} of the columns with values
        imputed in fit (``nnfit.tabular.imputed``).
    excluded_ : list of str
        The columns left out.
    feature_names_in_ : ndarray of str
        All columns of the DataFrame given to ``fit``.
    n_features_in_ : int
        Their number.
    target_name_ : str or None
        The name of ``y`` when it was a named Series.""",
}


def documented(**names):
    """Put the shared fragments, filled in with ``names``, into the class docstring."""
    def decorate(cls):
        doc = cls.__doc__
        for key, text in _COMMON.items():
            doc = doc.replace("{" + key + "}", text.format(**names))
        cls.__doc__ = doc
        return cls
    return decorate
