"""Checks of a table before a tabular model is fitted, each naming the column, the rows and what
to do: which columns the model uses, and as what (``plan``), and whether the target's labels hold
a typo (``check_labels``).  Rows are named by the frame's index labels (the command line's are
the data rows numbered from 1, the header not counted).

In the order ``plan`` applies them to the columns the model would use:

1. **Numbers with codes for missing** (``check_codes``): a text column whose non-missing cells
   are numbers except at most ``MAX_CODES`` distinct other values in at most ``CODE_SHARE`` of
   the cells, the numbers taking at least ``MIN_NUMBERS`` distinct values (``.``, ``-``, ``?``
   beside blood pressures).  As it stands the column would be text, each distinct number a
   category; it is refused, naming the codes and their rows, with the advice to declare them
   missing (``na_values`` when reading; nnfit's readers read ``.``, the missing value of SAS and
   Stata, as missing already).  A coded categorical column (``1``, ``2``, ``3`` and
   ``unknown``) has fewer distinct numbers and stays text.  Numbers written with thousands
   separators (``21,500``) are refused likewise (``checks.check_grouped``).
2. **Dates and times** (``dates.find_dates``): days since the earliest date of the training rows.
3. **Identifiers** (``identifiers``): a column with at least ``MIN_IDENTIFIER_ROWS`` non-missing
   values, at least ``NEARLY_UNIQUE`` of them distinct, that is
   - text or categories (a patient code, a name): its one-hot columns would each describe one
     or two rows and carry nothing to a new row; or
   - whole numbers (an integer dtype, or floats that are all whole) that are named like an
     identifier (``id``, ``no``, ``code``, ``record``, ``mrn``, ``patient``, ``Unnamed: 0``,
     ...), or count the rows (the distinct values fill at least ``NEARLY_UNIQUE`` of the
     range min..max, which starts at 0 or 1, or a few rows later: a 1..n row number in any
     order, a few rows dropped or repeated; consecutive years 1990..2019 or distinct ages
     40..69 in a small table are measurements and stay), or are all written with the same number of digits, at
     least ``MIN_CODE_DIGITS`` (a record number such as 4071123).
   Such a column is left out of the predictors with a warning naming it; ``keep`` (``--keep``)
   keeps it.  A measurement is never taken for an identifier for being unique: numbers with a
   fractional part never are, and whole numbers only by the name or the patterns above (a
   platelet count, an income in dollars stay).
4. **Target labels** (``labels.check_labels``, a classifier's): labels that look like typos of
   others are refused, naming both labels and the rows.
"""
import re
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd

from .checks import MIN_IDENTIFIER_ROWS, check_grouped, names, rows
from .dates import find_dates
from .imputed import summary, warn_imputed
from .labels import check_labels  # noqa: F401 (the models' and the command line's)
from .preprocess import category_orders, column_kinds, fit_preprocessor, parts, prepare

NEARLY_UNIQUE = 0.95
MIN_CODE_DIGITS = 7
MAX_CODES, CODE_SHARE, MIN_NUMBERS = 3, 0.1, 5
_ID_WORDS = {"id", "ids", "identifier", "idx", "recno", "mrn", "pid", "uid", "uuid", "serial",
             "accession"}  # a name holding one of these is an identifier's
_ID_ONLY = {"index", "key", "no", "num", "number", "code", "record", "rec", "patient", "subject",
            "subj", "nr", "row", "case"}  # a name made of these alone (num_reads is a count)


def fit_columns(tab, frame, used, keep, sample_weight):
    """Fit the preprocessing of the tabular model ``tab`` on the columns ``used`` of ``frame``
    (``plan``, then ``preprocess``): sets ``preprocessor_``, ``numeric_columns_``,
    ``categorical_columns_``, ``dates_``, ``identifiers_`` (left out) and ``imputed_``, and
    returns the prepared frame."""
    columns = plan(frame, used, keep, column_kinds)
    numeric, categorical = columns.numeric, columns.categorical
    if not numeric + categorical:
        raise ValueError(f"every column is excluded or left out as an identifier "
                         f"({names(columns.left_out)}): nothing is left to predict from; "
                         "keep=[...] keeps a column")
    prepared = prepare(frame, numeric, categorical, tab.impute, dates=columns.dates)
    tab.preprocessor_ = fit_preprocessor(prepared, numeric, categorical, tab.impute,
                                         sample_weight, category_orders(frame, categorical))
    tab.imputed_ = summary(prepared, tab.preprocessor_, numeric, tab.impute, parts)
    warn_imputed(tab.imputed_, prepared)
    tab.dates_, tab.identifiers_ = columns.dates, columns.left_out
    tab.numeric_columns_, tab.categorical_columns_ = numeric, categorical
    return prepared


def plan(frame, used, keep, kinds):
    """(numeric, categorical, dates, left out) for the columns ``used``: the checks 1-3 of the
    module docstring; ``kinds`` is ``preprocess.column_kinds``.  Each check looks only at the
    columns of its dtypes (the numeric ones as one block), so that a wide numeric table costs
    what its numbers cost."""
    keep = set(keep)
    groups, cache = {"text": [], "time": [], "number": []}, {}
    for name, dtype in zip(frame.columns, frame.dtypes):
        if dtype not in cache:
            cache[dtype] = _group(dtype)
        if cache[dtype]:
            groups[cache[dtype]].append(name)
    wanted = set(used)
    text, time, number = ([c for c in groups[kind] if c in wanted]
                          for kind in ("text", "time", "number"))
    check_grouped(frame, [c for c in text if c not in keep], MIN_NUMBERS)  # '1,250': no code
    check_codes(frame, [c for c in text if c not in keep])
    dates = find_dates(frame, time + text)
    left_out = identifiers(frame, [c for c in text if c not in keep and c not in dates],
                           [c for c in number if c not in keep])
    gone = set(left_out)
    used = [c for c in used if c not in gone]
    numeric, categorical = kinds(frame, [c for c in used if c not in dates])
    position = {name: k for k, name in enumerate(used)}
    numeric = sorted(numeric + list(dates), key=position.get)
    return SimpleNamespace(numeric=numeric, categorical=categorical, dates=dates,
                           left_out=left_out)


def _group(dtype):
    """'text', 'time', 'number' or None (true/false) for a column of this dtype."""
    if pd.api.types.is_bool_dtype(dtype):
        return None
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        return "time"
    return "number" if pd.api.types.is_numeric_dtype(dtype) else "text"


def _named_like_identifier(name):
    if re.fullmatch(r"unnamed: ?\d+", name.strip(), re.IGNORECASE):
        return True
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)  # camelCase -> camel Case
    words = [word for word in re.split(r"[^a-z0-9]+", words.lower()) if word]
    return any(word in _ID_WORDS for word in words) or (
        bool(words) and all(word in _ID_ONLY for word in words))


def identifiers(frame, texts, numbers):
    """The identifier columns among the text columns ``texts`` and the numeric ``numbers``
    (module docstring, 3), left out with one warning for the text ones and one for the numeric
    ones."""
    text = []
    for name in texts:
        present = frame[name].dropna()
        count = len(present)
        if count >= MIN_IDENTIFIER_ROWS:
            distinct = present.astype(str).nunique()
            if distinct >= NEARLY_UNIQUE * count:
                text.append((name, distinct, count))
    whole = _whole_identifiers(frame, numbers)
    for name, distinct, count in text:
        each = (f"a different value in each of its {count} rows" if distinct == count else
                f"{distinct} different values in its {count} rows")
        warnings.warn(f"column {name!r} has {each}, as an identifier does, so it is left out of "
                      "the predictors (each value would be a feature that no new row shares); "
                      f"to use it, keep=[{name!r}] (on the command line --keep {name}); "
                      f"--id {name} on the command line copies it into predictions",
                      UserWarning, stacklevel=4)
    if whole:
        each = ", ".join(f"{name!r} ({distinct} of {count})" for name, distinct, count in whole
                         if distinct != count)
        where = (f"in each of the {len(frame)} rows" if {w[2] for w in whole} == {len(frame)}
                 else "in each row that has one")
        warnings.warn(f"column(s) {names([w[0] for w in whole])} hold a different whole number "
                      f"{where}"
                      + (f" (or nearly: {each} distinct)" if each else "")
                      + ", as a row identifier does (named so, counting the rows or a "
                      "fixed-width record number), so they are left out of the predictors; to "
                      "use one, keep=[...] (on the command line --keep COLUMN)",
                      UserWarning, stacklevel=4)
    return [w[0] for w in text + whole]


def _whole_identifiers(frame, numbers):
    """[(column, distinct values, values)] of the numeric identifier columns, computed on the
    block of all of them at once."""
    if not numbers:
        return []
    x = frame[numbers].to_numpy(dtype=np.float64, na_value=np.nan)
    present = ~np.isnan(x)
    count = present.sum(axis=0)
    with np.errstate(invalid="ignore"):
        whole = np.all(~present | (np.isfinite(x) & (x == np.floor(x))), axis=0)
    columns = np.flatnonzero(whole & (count >= MIN_IDENTIFIER_ROWS))
    if not columns.size:
        return []
    block = np.sort(x[:, columns], axis=0)  # missing values last
    count = count[columns]
    distinct = 1 + np.sum(np.diff(block, axis=0) > 0, axis=0)
    low, high = block[0], block[count - 1, np.arange(columns.size)]
    with np.errstate(divide="ignore", invalid="ignore"):
        digits = np.floor(np.log10(np.where(low > 0, low, np.nan))) + 1
        fixed = (digits >= MIN_CODE_DIGITS) & (digits == np.floor(np.log10(high)) + 1)
    named = np.array([_named_like_identifier(numbers[j]) for j in columns])
    counter = (distinct >= NEARLY_UNIQUE * (high - low + 1)) & (low >= 0) & (
        low <= 1 + (1 - NEARLY_UNIQUE) * count)  # from 0 or 1, or a few rows later
    found = (distinct >= NEARLY_UNIQUE * count) & (named | counter | fixed)
    return [(numbers[columns[k]], int(distinct[k]), int(count[k]))
            for k in np.flatnonzero(found)]


def check_codes(frame, candidates):
    """Refuse text columns that are numbers but for a few codes (module docstring, 1)."""
    for name in candidates:
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            continue
        present = column[column.notna()].astype(str).str.strip()
        if len(present) < 2 * MIN_NUMBERS:
            continue
        numbers = pd.to_numeric(present, errors="coerce")
        codes = numbers.isna().to_numpy()
        share = codes.mean()
        if not 0 < share <= CODE_SHARE or numbers.nunique() < MIN_NUMBERS:
            continue
        found = pd.unique(present[codes])
        if len(found) > MAX_CODES:
            continue
        where = "; ".join(f"{code!r} in {rows(present.index[present.to_numpy() == code])}"
                          for code in found)
        listed = ", ".join(repr(str(c)) for c in found)
        typed = " ".join(str(c) for c in found)
        raise ValueError(f"column {name!r} holds numbers except {where}: codes for a missing "
                         "value? As it stands the column would be text, each distinct number a "
                         f"category. Declare them missing: na_values=[{listed}] when reading "
                         f"(nnfit.read_file, pandas.read_csv; on the command line --na-values "
                         f"{typed}), or fix those cells; to use the column as text anyway, "
                         f"keep=[{name!r}] (--keep {name})")


def checked_target(y, frame):
    """y as a Series labelled by the rows of ``frame`` (by position, as scikit-learn), with
    one value per row and none missing."""
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
