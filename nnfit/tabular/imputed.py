"""What a tabular fit imputed, column by column: ``imputed_`` and the warning that says so.

With ``impute`` set, the preprocessing (``preprocess``) replaces a missing numeric value by the
training column's mean, median or most frequent value (weighted, ``weighted``) and a missing
category by the most frequent one; with 'STATISTIC+indicator' each column with a missing value
in the training rows also gets a 0/1 column, 1 where the value was missing (its coefficient is
the difference the missingness makes beyond the imputed value).  A statistician reports how
much was imputed, so the fit says it: one ``UserWarning`` naming each column with missing
cells, how many, by what value and in which rows, and the fitted model keeps

    imputed_ = {column: {"cells": k, "strategy": "median", "value": 54.5,
                         "indicator": "age_missing" or None}, ...}

for the columns with k >= 1 missing cells in the rows given to ``fit`` (the model file keeps
the counts; the values are the fill values it keeps anyway, ``state``).
"""
import warnings

from .checks import MAX_SHOWN, rows


def summary(prepared, preprocessor, numeric, impute, parts):
    """``imputed_`` of the module docstring, from the prepared training frame and the fitted
    preprocessor (``parts``: ``preprocess.parts``)."""
    if impute is None:
        return {}
    counts = prepared.isna().sum().to_numpy()
    return from_counts(dict(zip(prepared.columns, (int(k) for k in counts))), preprocessor,
                       numeric, impute, parts)


def from_counts(counts, preprocessor, numeric, impute, parts):
    """``imputed_`` from {column: missing cells} and the fitted preprocessor."""
    _, _, numeric_imputer, categorical_imputer = parts(preprocessor)
    indicators = set(getattr(preprocessor, "indicators_", []))
    statistic = impute.split("+")[0]
    found = {}
    for j, (name, cells) in enumerate(counts.items()):
        if not cells:
            continue
        if j < len(numeric):
            entry = {"strategy": statistic, "value": float(numeric_imputer.statistics_[j])}
        else:
            entry = {"strategy": "most_frequent",
                     "value": str(categorical_imputer.statistics_[j - len(numeric)])}
        found[name] = {"cells": cells, **entry,
                       "indicator": f"{name}_missing" if name in indicators else None}
    return found


def warn_imputed(imputed, prepared):
    """One warning naming each imputed column, its count, value and rows (module docstring)."""
    if not imputed:
        return
    words = {"mean": "the mean", "median": "the median", "most_frequent": "the most frequent"}
    shown = []
    for name, entry in list(imputed.items())[:MAX_SHOWN]:
        value = entry["value"]
        value = f"{value:g}" if isinstance(value, float) else repr(value)
        missing = prepared[name].isna().to_numpy()
        kind = " category" if isinstance(entry["value"], str) else ""
        shown.append(f"{name!r}: {entry['cells']} by {words[entry['strategy']]}{kind}, "
                     f"{value} ({rows(prepared.index[missing])})"
                     + (f", with the 0/1 column {entry['indicator']!r}"
                        if entry["indicator"] else ""))
    more = len(imputed) - MAX_SHOWN
    total = sum(entry["cells"] for entry in imputed.values())
    share = total / max(1, prepared.shape[0] * prepared.shape[1])
    warnings.warn(f"imputed {total} missing value(s) ({share:.1%} of the cells used) in "
                  f"{len(imputed)} column(s): " + "; ".join(shown)
                  + (f"; and {more} more column(s)" if more > 0 else "")
                  + "; the model fills in missing values of new rows with the same values "
                  "(imputed_)", UserWarning, stacklevel=4)


def counts_from_state(entries, used, impute, check):
    """{column: cells} of a model file's ``imputed`` list, each entry checked (``check``:
    ``state._check``): a used column and a whole count >= 1, only with imputation."""
    check(isinstance(entries, list) and all(
        isinstance(e, dict) and set(e) == {"column", "cells"} and e["column"] in used
        and isinstance(e["cells"], int) and not isinstance(e["cells"], bool) and e["cells"] > 0
        for e in entries) and (impute is not None or not entries),
        "has an imputed list that is not of used columns and counts >= 1")
    counts = {entry["column"]: entry["cells"] for entry in entries}
    return {name: counts.get(name, 0) for name in used}


def as_state(imputed):
    """The model file's ``imputed`` list: each column's count of imputed cells."""
    return [{"column": name, "cells": int(entry["cells"])} for name, entry in imputed.items()]
