"""The tabular preprocessing step: standardized numeric columns, one-hot categorical ones.

A scikit-learn ``ColumnTransformer`` sends numeric columns (integer and float dtypes) through an
optional ``SimpleImputer`` and a ``StandardScaler``, x~ = (x - mean) / sd with the training mean
and sd (an sd of 0 counts as 1), and categorical columns (object, string, category and
true/false dtypes, compared as text) through an optional ``SimpleImputer`` (most frequent
category) and a ``OneHotEncoder``: one 0/1 column per category seen in training (sorted as
text, or in a pandas Categorical's own order: value labels in code order), a category
not seen in training gives 0 in all of them and an ``UnseenCategoryWarning`` naming the column,
the values and the rows.  With sample weights every statistic (mean, sd, imputed value) is
weighted, so that a row of weight 2 counts as the row repeated and a row of weight 0 as the row
left out, its categories not encoded (``weighted``); equal weights give the unweighted fit.

``prepare`` checks a frame before scikit-learn sees it and names the column and the rows of
every problem: a missing column, text in a numeric column, a missing or infinite value (the
same message for both; with imputation only infinite values are refused).  ``check_range``
refuses values that overflow the network's dtype once standardized; ``checks`` warns of
identifier columns and of values that swamp their column's scaling.  Rows are named by the
frame's index labels (the command line numbers them from 1 in file order).

Column handling is linear in the number of columns: the numeric columns travel as one float64
block (one conversion, one finiteness test), the ColumnTransformer selects its two groups by
position (given names, scikit-learn looks each up with ``list.index``, quadratic), and
``transform`` runs the two fitted pipelines on the two blocks directly (the ColumnTransformer's
own ``transform`` turns positions back into names).  A table of 30 rows and 100,000 columns
goes through ``nnfit fit`` in seconds (``bench/wide_table.py``).
"""
import warnings

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from .checks import check_scaling, names, rows, warn_swamped  # noqa: F401 (re-exported)
from .dates import earliest, to_days
from .weighted import weigh

STRATEGIES = ("mean", "median", "most_frequent")
IMPUTE = (None,) + STRATEGIES + tuple(f"{s}+indicator" for s in STRATEGIES)


class UnseenCategoryWarning(UserWarning):
    """A categorical column holds values the model never saw; they are encoded as all zeros.

    Emitted by ``predict`` (and ``predict_proba``, ``score``) of ``TabularClassifier`` and
    ``TabularRegressor``, naming the column and the unseen values: such a row gets no
    contribution from that column, which may or may not be what you want.

    Examples
    --------
    >>> import warnings
    >>> from nnfit import MLPRegressor, TabularRegressor, UnseenCategoryWarning
    >>> from nnfit.datasets import load_hitters
    >>> frame = load_hitters().frame
    >>> X, y = frame.drop(columns="Salary"), frame["Salary"]
    >>> model = TabularRegressor(MLPRegressor(hidden_layer_sizes=(5,), epochs=5,
    ...                                       random_state=0)).fit(X, y)
    >>> new = X.iloc[:1].assign(League="X")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = model.predict(new)
    >>> any(issubclass(w.category, UnseenCategoryWarning) for w in caught)
    True
    """


def is_numeric_column(series):
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _kind(dtype):
    """'numeric', 'time' or 'categorical' for a column of this dtype."""
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        return "time"
    numeric = pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
    return "numeric" if numeric else "categorical"


def _kinds(frame, columns):
    """The kind of each of ``columns``, looked up once per distinct dtype."""
    dtypes, cache = dict(zip(frame.columns, frame.dtypes)), {}
    kinds = []
    for name in columns:
        dtype = dtypes[name]
        if dtype not in cache:
            cache[dtype] = _kind(dtype)
        kinds.append(cache[dtype])
    return kinds


def strategy(impute):
    """The imputer's statistic of an ``impute`` setting ('median' of 'median+indicator')."""
    return None if impute is None else impute.split("+")[0]


def column_kinds(frame, used):
    """(numeric column names, categorical column names) among ``used``, in the frame's order;
    dates and durations count as numeric (``dates``: days since the earliest)."""
    kinds = _kinds(frame, used)
    return ([name for name, kind in zip(used, kinds) if kind != "categorical"],
            [name for name, kind in zip(used, kinds) if kind == "categorical"])


def check_columns(frame, columns, what="the model uses"):
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise ValueError(f"column(s) {names(absent)} missing from the data; {what} "
                         f"{names(columns)}")


def prepare(frame, numeric, categorical, impute, fitting=True, dates=None):
    """The columns the model uses, in its order: numbers as float64, categories as text
    (missing values as NaN), after the checks of the module docstring.  ``fitting``: the advice
    on missing values is for ``fit`` (impute them), else for prediction (fit again).  ``dates``:
    {column: (origin, format)} of the numeric columns that are dates (``dates.to_days``)."""
    numeric, categorical = list(numeric), list(categorical)
    check_columns(frame, numeric + categorical)
    x, problems = _numbers(frame, numeric, dates or {}), []
    bad = np.isinf(x) if impute else ~np.isfinite(x)
    for j in np.flatnonzero(bad.any(axis=0)):
        problems.append((numeric[j], frame.index[bad[:, j]]))
    prepared = pd.DataFrame(x, index=frame.index, columns=numeric)
    if categorical:
        block = frame[categorical]
        missing = block.isna().to_numpy()
        for j in np.flatnonzero(missing.any(axis=0)) if not impute else ():
            problems.append((categorical[j], frame.index[missing[:, j]]))
        text = block.astype(str).to_numpy(dtype=object, copy=True)
        text[missing] = np.nan
        prepared = pd.concat([prepared, pd.DataFrame(text, index=frame.index,
                                                     columns=categorical)], axis=1)
    empty = [name for name, labels in problems if len(labels) == len(frame) > 1]
    if empty and fitting:  # no value to impute from
        raise ValueError(f"column(s) {names(empty)} have no values at all (missing in all "
                         f"{len(frame)} rows); leave them out (exclude=[...], --exclude on the "
                         "command line)")
    if problems:
        where = "; ".join(f"column {name!r}: {rows(labels)}" for name, labels in problems)
        raise ValueError(f"missing or infinite values ({where}); fill in or drop those rows"
                         + ("" if impute else ", or impute missing values (impute='median'; on the "
                            "command line --impute median)" if fitting else " (on the command "
                            "line: --drop-missing), or fit the model again with impute='median' "
                            "(nnfit fit --impute median) so that it fills them in"))
    return prepared


def _numbers(frame, numeric, dates):
    """The numeric columns as one float64 array (dates as days, ``dates.to_days``); text in one
    of them is refused, naming it."""
    x = np.empty((len(frame), len(numeric)), dtype=np.float64)
    kinds = _kinds(frame, numeric)
    dates = dates or {}
    fast = [j for j, kind in enumerate(kinds) if kind == "numeric" and numeric[j] not in dates]
    if fast:  # numeric dtypes: one conversion for all of them
        block = frame[numeric] if len(fast) == len(numeric) else frame[[numeric[j] for j in fast]]
        x[:, fast] = block.to_numpy(dtype=np.float64, na_value=np.nan)
    for j in (j for j in range(len(numeric)) if j not in set(fast)):  # e.g. text at predict
        column = frame[numeric[j]]
        if numeric[j] in dates or kinds[j] == "time":  # no origin given: its earliest date
            origin, fmt = dates.get(numeric[j], (None, None))
            duration = pd.api.types.is_timedelta64_dtype(column.dtype)
            if numeric[j] not in dates and not duration:
                origin = earliest(column)
            known = origin is not None or numeric[j] in dates or duration
            x[:, j] = to_days(numeric[j], column, origin, fmt) if known else np.nan
            continue
        values = pd.to_numeric(column, errors="coerce")
        text = np.flatnonzero((values.isna() & column.notna()).to_numpy())
        if text.size:
            raise ValueError(f"column {numeric[j]!r}, {rows(column.index[text[:1]])}: "
                             f"{column.iloc[text[0]]!r} is not a number, but the model was "
                             f"fitted on numbers in this column ({text.size} such value(s)); "
                             "fix or drop those rows")
        x[:, j] = values.to_numpy(dtype=np.float64, na_value=np.nan)
    return x


def make_preprocessor(numeric, categorical, impute, categories="auto"):
    """The ColumnTransformer of the module docstring (unfitted); dense float64 output.  It
    selects by position: fit it on a frame of the numeric columns, then the categorical ones."""
    parts, k = [], len(numeric)
    if numeric:  # by position: the numeric columns come first in a prepared frame
        steps = [("impute", SimpleImputer(strategy=strategy(impute)))] if impute else []
        parts.append(("numeric", Pipeline(steps + [("scale", StandardScaler())]), slice(0, k)))
    if categorical:
        steps = [("impute", SimpleImputer(strategy="most_frequent"))] if impute else []
        encoder = OneHotEncoder(categories=categories, handle_unknown="ignore",
                                sparse_output=False, dtype=np.float64)
        parts.append(("categorical", Pipeline(steps + [("onehot", encoder)]),
                      slice(k, k + len(categorical))))
    return ColumnTransformer(parts, remainder="drop", sparse_threshold=0).set_output(
        transform="default")


def category_orders(frame, categorical):
    """{column: its categories as text, in order} for the pandas Categorical columns among
    ``categorical`` (value labels in code order from Stata, SPSS and SAS files; a Categorical
    given in Python): their first category is the reference, as in statsmodels' formulas."""
    return {name: [str(c) for c in frame[name].cat.categories] for name in categorical
            if isinstance(frame[name].dtype, pd.CategoricalDtype)}


def _categories(prepared, categorical, orders):
    """The encoder's categories: each Categorical's order, else sorted as text (scikit-learn's
    "auto"), of the values present (a category no row has would be a column of zeros)."""
    found = []
    for name in categorical:
        present = set(prepared[name].dropna())
        order = orders.get(name) or sorted(present)
        found.append(np.array([c for c in order if c in present], dtype=object))
    return found


def fit_preprocessor(prepared, numeric, categorical, impute, sample_weight=None, orders=None):
    """Fit ``make_preprocessor`` on a prepared frame; refuse columns it cannot standardize, warn
    of identifiers and swamped columns (``checks``).  ``sample_weight`` (checked float64 weights,
    or None) weights every statistic as ``weighted`` says; ``orders`` (``category_orders``)
    orders the categories of Categorical columns (else sorted).  With an ``impute`` of
    'STATISTIC+indicator' the preprocessor's ``indicators_`` are the columns with a missing
    value in those rows: each gets a 0/1 column, 1 where it is missing (``transform``)."""
    if sample_weight is not None:
        with np.errstate(over="ignore"):
            if not np.isfinite(sample_weight.sum()):
                raise ValueError(f"sample_weight adds up to more than float64 holds (the largest "
                                 f"is {sample_weight.max():g}); only the ratios of the weights "
                                 "matter: divide them by a power of 10")
        if np.all(sample_weight == sample_weight[0]):
            sample_weight = None  # equal weights: the unweighted statistics, bit for bit
    if sample_weight is not None:
        kept = sample_weight > 0
        prepared, sample_weight = prepared[kept], sample_weight[kept]
    empty = prepared.columns[prepared.isna().all().to_numpy()]
    if len(empty):
        raise ValueError(f"column(s) {names(empty)} have no values at all"
                         + (" in the rows of positive weight" if sample_weight is not None
                            else "") + "; leave them out (exclude=[...], --exclude on the "
                         "command line)")
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below
        categories = _categories(prepared, categorical, orders) if orders else "auto"
        preprocessor = make_preprocessor(numeric, categorical, impute, categories).fit(prepared)
        if sample_weight is not None:
            weigh(parts(preprocessor), prepared, len(numeric), sample_weight)
    x = prepared.iloc[:, :len(numeric)].to_numpy()
    if numeric:
        check_scaling(parts(preprocessor)[0], x, numeric, prepared.index)
        warn_swamped(x, numeric, prepared.index)
    indicated = impute is not None and impute.endswith("+indicator")
    preprocessor.indicators_ = (list(prepared.columns[prepared.isna().any().to_numpy()])
                                if indicated else [])
    return preprocessor


def transform(preprocessor, prepared, n_numeric):
    """The design matrix of a prepared frame, bit for bit ``preprocessor.transform(prepared)``
    in linear time: the numeric block imputed, then x -= mean, x /= sd (StandardScaler's own
    two steps, without its per-column checks of a DataFrame), beside the categorical pipeline's
    one-hot columns."""
    scaler, _, imputer, _ = parts(preprocessor)
    blocks = []
    if scaler is not None:
        x = prepared.iloc[:, :n_numeric].to_numpy(dtype=np.float64, copy=True)
        if imputer is not None:
            rows_, columns = np.nonzero(np.isnan(x))
            x[rows_, columns] = imputer.statistics_[columns]
        x -= scaler.mean_
        x /= scaler.scale_
        blocks.append(x)
    if "categorical" in preprocessor.named_transformers_:
        categorical = preprocessor.named_transformers_["categorical"]
        blocks.append(categorical.transform(prepared.iloc[:, n_numeric:]))
    indicators = getattr(preprocessor, "indicators_", [])
    if len(indicators):  # 1 where the value was missing (and imputed)
        blocks.append(prepared[list(indicators)].isna().to_numpy(dtype=np.float64))
    return np.hstack(blocks) if len(blocks) > 1 else np.asarray(blocks[0], dtype=np.float64)


def parts(preprocessor):
    """(StandardScaler or None, OneHotEncoder or None, numeric imputer or None, categorical
    imputer or None) of a fitted ``make_preprocessor``."""
    fitted = preprocessor.named_transformers_
    numeric, categorical = fitted.get("numeric"), fitted.get("categorical")
    step = lambda pipe, name: pipe.named_steps.get(name) if pipe is not None else None  # noqa: E731
    return (step(numeric, "scale"), step(categorical, "onehot"), step(numeric, "impute"),
            step(categorical, "impute"))


def warn_unseen(prepared, categorical, encoder):
    """An ``UnseenCategoryWarning`` per categorical column holding values not seen in fit."""
    for name, known in zip(categorical, encoder.categories_ if encoder else ()):
        values = prepared[name]
        unseen = (values.notna() & ~values.isin(known)).to_numpy()
        if unseen.any():
            warnings.warn(f"column {name!r}: {int(unseen.sum())} value(s) not seen in training, "
                          f"encoded as no category (all of its one-hot columns 0): "
                          f"{names(pd.unique(values[unseen]))} in {rows(values.index[unseen])}",
                          UnseenCategoryWarning, stacklevel=3)
