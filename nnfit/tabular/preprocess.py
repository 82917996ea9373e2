"""The tabular preprocessing step: standardized numeric columns, one-hot categorical ones.

A scikit-learn ``ColumnTransformer`` sends numeric columns (integer and float dtypes) through an
optional ``SimpleImputer`` and a ``StandardScaler``, x~ = (x - mean) / sd with the training mean
and sd (an sd of 0 counts as 1), and categorical columns (object, string, category and
true/false dtypes, compared as text) through an optional ``SimpleImputer`` (most frequent
category) and a ``OneHotEncoder``: one 0/1 column per category seen in training, a category
not seen in training gives 0 in all of them and an ``UnseenCategoryWarning`` naming the column,
the values and the rows.

``prepare`` checks a frame before scikit-learn sees it and names the column and the rows of
every problem: a missing column, text in a numeric column, a missing or infinite value (the
same message for both; with imputation only infinite values are refused).  ``check_range``
refuses values that overflow the network's dtype once standardized.  Rows are named by the
frame's index labels (the command line numbers them from 1 in file order).
"""
import warnings

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

IMPUTE = (None, "mean", "median", "most_frequent")
MAX_SHOWN = 10


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


def names(values):
    """'a', 'b' and 3 more: at most ``MAX_SHOWN`` values, quoted."""
    values = list(values)
    shown = ", ".join(repr(str(v)) for v in values[:MAX_SHOWN])
    return shown + (f" and {len(values) - MAX_SHOWN} more" if len(values) > MAX_SHOWN else "")


def rows(labels):
    """'row 3' or 'rows 3, 6, 9 (12 in all)' from index labels."""
    labels = [str(label) for label in labels]
    if len(labels) == 1:
        return f"row {labels[0]}"
    more = f" ({len(labels)} in all)" if len(labels) > MAX_SHOWN else ""
    return "rows " + ", ".join(labels[:MAX_SHOWN]) + more


def is_numeric_column(series):
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def column_kinds(frame, used):
    """(numeric column names, categorical column names) among ``used``, in the frame's order.
    Dates and durations are refused: as categories every distinct time would be a feature."""
    timed = [name for name in used if pd.api.types.is_datetime64_any_dtype(frame[name])
             or pd.api.types.is_timedelta64_dtype(frame[name])]
    if timed:
        raise ValueError(f"column(s) {names(timed)} hold dates or durations; turn them into "
                         "numbers (e.g. days since a reference date) or leave them out "
                         "(exclude=[...], --exclude on the command line)")
    numeric = [name for name in used if is_numeric_column(frame[name])]
    return numeric, [name for name in used if name not in numeric]


def warn_identifiers(prepared, categorical):
    """A warning for a categorical column whose every value is distinct: an identifier, whose
    one-hot columns cannot carry over to new rows."""
    for name in categorical:
        n = int(prepared[name].notna().sum())
        if n >= 20 and prepared[name].nunique() == n:
            warnings.warn(f"column {name!r} has a different value in each of its {n} rows, so "
                          "each becomes a feature that no new row shares; if it identifies "
                          "rows, leave it out (exclude=[...]; on the command line --id or "
                          "--exclude)", UserWarning, stacklevel=3)


def check_columns(frame, columns, what="the model uses"):
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise ValueError(f"column(s) {names(absent)} missing from the data; {what} "
                         f"{names(columns)}")


def prepare(frame, numeric, categorical, impute):
    """The columns the model uses, in its order: numbers as float64, categories as text
    (missing values as NaN), after the checks of the module docstring."""
    check_columns(frame, list(numeric) + list(categorical))
    data, problems = {}, []
    for name in numeric:
        column = frame[name]
        values = pd.to_numeric(column, errors="coerce")
        text = np.flatnonzero((values.isna() & column.notna()).to_numpy())
        if text.size:
            raise ValueError(f"column {name!r}, {rows(column.index[text[:1]])}: "
                             f"{column.iloc[text[0]]!r} is not a number, but the model was "
                             f"fitted on numbers in this column ({text.size} such value(s)); "
                             "fix or drop those rows")
        x = values.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = np.isinf(x) if impute else ~np.isfinite(x)
        if bad.any():
            problems.append((name, column.index[bad]))
        data[name] = x
    for name in categorical:
        column = frame[name]
        missing = column.isna().to_numpy()
        if missing.any() and not impute:
            problems.append((name, column.index[missing]))
        text = column.astype(str).to_numpy(dtype=object)
        text[missing] = np.nan
        data[name] = text
    if problems:
        where = "; ".join(f"column {name!r}: {rows(labels)}" for name, labels in problems)
        raise ValueError(f"missing or infinite values ({where}); fill in or drop those rows"
                         + ("" if impute else ", or impute missing values (impute='median'; on the "
                            "command line --impute median)"))
    return pd.DataFrame(data, index=frame.index, columns=list(numeric) + list(categorical))


def make_preprocessor(numeric, categorical, impute, categories="auto"):
    """The ColumnTransformer of the module docstring (unfitted); dense float64 output."""
    parts = []
    if numeric:
        steps = [("impute", SimpleImputer(strategy=impute))] if impute else []
        parts.append(("numeric", Pipeline(steps + [("scale", StandardScaler())]), list(numeric)))
    if categorical:
        steps = [("impute", SimpleImputer(strategy="most_frequent"))] if impute else []
        encoder = OneHotEncoder(categories=categories, handle_unknown="ignore",
                                sparse_output=False, dtype=np.float64)
        parts.append(("categorical", Pipeline(steps + [("onehot", encoder)]), list(categorical)))
    return ColumnTransformer(parts, remainder="drop", sparse_threshold=0).set_output(
        transform="default")


def fit_preprocessor(prepared, numeric, categorical, impute):
    """Fit ``make_preprocessor`` on a prepared frame; refuse columns it cannot standardize."""
    empty = [name for name in prepared.columns if prepared[name].isna().all()]
    if empty:
        raise ValueError(f"column(s) {names(empty)} have no values at all; leave them out "
                         "(exclude=[...], --exclude on the command line)")
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below
        preprocessor = make_preprocessor(numeric, categorical, impute).fit(prepared)
    warn_identifiers(prepared, categorical)
    if numeric:
        scaler = preprocessor.named_transformers_["numeric"]["scale"]
        bad = ~(np.isfinite(scaler.mean_) & np.isfinite(scaler.scale_))
        if bad.any():
            name = numeric[int(np.flatnonzero(bad)[0])]
            largest = float(np.nanmax(np.abs(prepared[name].to_numpy())))
            raise ValueError(f"column {name!r} has values too large to standardize (largest "
                             f"magnitude {largest:g}, its variance overflows float64); "
                             "rescale that column, e.g. divide it by a power of 10")
    return preprocessor


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


def check_range(Z, prepared, numeric, dtype):
    """Refuse standardized numeric values that the network's dtype cannot hold."""
    limit = np.finfo(dtype).max
    block = Z[:, :len(numeric)]
    bad = ~(np.abs(block) <= limit)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        name = numeric[j]
        raise ValueError(f"column {name!r}, {rows(prepared.index[i:i + 1])}: the value "
                         f"{prepared[name].iloc[i]:g} is {block[i, j]:g} once standardized, "
                         f"beyond the range of the model's {np.dtype(dtype).name} "
                         f"({int(bad[:, j].sum())} such value(s) in this column); fix or drop "
                         "those rows")
    return Z
