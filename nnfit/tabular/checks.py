"""What the tabular models say about a table, naming columns and rows: a frame they cannot
take, values that swamp a column's scaling, values too large for the network.

Every check works on whole blocks of columns at once (NumPy along an axis), so that a table
of 100,000 columns costs what its numbers cost, not a Python step per column.

- A swamped column (``warn_swamped``): one value so far out that the column's standard deviation
  is more than 1 / SWAMP_RATIO times that of the other rows, so that once standardized the
  other rows differ by less than SWAMP_RATIO and the network sees them as nearly equal (one
  1e100 among values near 1).  The warning names column, row and value.
- A value beyond the network's dtype once standardized (``check_range``) is an error; at
  predict, a value more than FAR training standard deviations from the training mean (no
  training row of n <= 100 can be beyond sqrt(n - 1) = 9.95) gets a ``UserWarning`` naming
  column, rows and value: the network extrapolates far outside its data, most likely from a
  typo or a code for missing (999 among blood pressures, 1e12 among values near 5).
- Numbers written with thousands separators (``check_grouped``): a text column whose values are
  all numbers, some written like ``21,500`` (groups of 3 digits), taking at least
  ``min_numbers`` distinct values, is refused naming the rows: as text each distinct number
  would be a category, and reading ``21,500`` as a number is a guess the user should make.

Identifier columns, dates and other checks before fitting are ``prefit``'s.
"""
import difflib
import re
import warnings

import numpy as np
import pandas as pd

from ..estimators.swamp import SWAMP_RATIO  # noqa: F401 (the shared rule)
from ..estimators.swamp import warn_swamped as shared_warn_swamped

MAX_SHOWN = 10
FAR = 10.0  # training sds from the training mean: a new value beyond it is warned about
MIN_IDENTIFIER_ROWS = 20


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


def warn_swamped(x, numeric, index):
    """One warning naming each column swamped by one value (module docstring), with its row:
    the rule and wording of the array estimators (``nnfit.estimators.swamp``)."""
    shared_warn_swamped(x, lambda j: f"column {numeric[j]!r}", lambda i: index[i], stacklevel=4)


def check_scaling(scaler, x, numeric, index):
    """Refuse a column whose mean or sd overflowed, naming the row of its largest value."""
    bad = ~(np.isfinite(scaler.mean_) & np.isfinite(scaler.scale_))
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        magnitudes = np.where(np.isnan(x[:, j]), -1.0, np.abs(x[:, j]))
        i = int(np.argmax(magnitudes))
        raise ValueError(f"column {numeric[j]!r} has values too large to standardize (largest "
                         f"magnitude {magnitudes[i]:g}, in {rows(index[i:i + 1])}; its variance "
                         "overflows float64); fix that value, or rescale the column, e.g. "
                         "divide it by a power of 10")


def check_range(Z, prepared, numeric, dtype, fitting=True):
    """Refuse standardized numeric values that the network's dtype cannot hold; at predict
    (``fitting=False``) warn of those more than FAR sds out (module docstring)."""
    limit = np.finfo(dtype).max
    block = Z[:, :len(numeric)]
    far = np.abs(block) > FAR
    for j in np.flatnonzero(far.any(axis=0)) if not fitting else ():
        i = np.flatnonzero(far[:, j])
        name = numeric[j]
        warnings.warn(f"column {name!r}: {len(i)} value(s) more than {FAR:g} training standard "
                      f"deviations from the training mean ({prepared[name].iloc[i[0]]:g} in "
                      f"{rows(prepared.index[i])}); the network extrapolates there: check those "
                      "values (a typo, a code for missing?)", UserWarning, stacklevel=4)
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


GROUPED = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def check_grouped(frame, candidates, min_numbers):
    """Refuse text columns of numbers with thousands separators (module docstring)."""
    for name in candidates:
        if isinstance(frame[name].dtype, pd.CategoricalDtype):
            continue
        present = frame[name].dropna().astype(str).str.strip()
        grouped = present.map(lambda v: GROUPED.fullmatch(v) is not None).to_numpy(bool)
        if not grouped.any() or present.nunique() < min_numbers or \
                pd.to_numeric(present[~grouped], errors="coerce").isna().any():
            continue
        raise ValueError(f"column {name!r} holds numbers written with thousands separators "
                         f"({present[grouped].iloc[0]!r} in {rows(present.index[grouped])}): as "
                         "text each distinct number would be a category. Write them without "
                         "separators in the file (pandas: read_csv(thousands=',')), or, to use "
                         f"the column as text, keep=[{name!r}] (--keep {name})")
