"""The outcome columns of a table, checked row by row: a survival outcome (time, event) and a
count over an exposure.  Every message names the column and the rows (the frame's index labels;
the command line numbers rows from 1 in file order) and says what to do.

- ``survival_target(frame, time, event)`` is scikit-survival's structured array of (event, time)
  pairs, with the two columns' names as its field names (``sksurv.util.Surv.from_arrays``).
  The event column must be true/false or 0/1 (1 = the event was seen, 0 = censored): two-level
  text such as "dead"/"alive" is refused, since which level is the event is for the user to say.
  Times must be finite numbers >= 0.  At least one row must have an event.
- ``per_exposure(counts, exposure)`` is scikit-learn's convention for a Poisson model of counts
  over an exposure (person-years, population): y = count / exposure and ``sample_weight`` =
  exposure, whose weighted Poisson deviance is that of the counts with a log(exposure) offset.
  Counts must be whole numbers >= 0 (a count that is not whole, 2.5, is refused naming its row:
  a column that is already a rate count / exposure would be divided by the exposure again and
  weighted by it, the model of count / exposure^2), exposures numbers > 0.
- ``check_counts(counts)``, the counts of a Poisson loss without an exposure: numbers >= 0; a
  value that is not whole is accepted (the Poisson deviance of a non-negative real outcome is
  a legitimate quasi-likelihood) with a warning naming its row, since it is often a mistake.
  Whole means within ``WHOLE_TOLERANCE`` (relative) of an integer, so that 3.0000000000000004
  written by a computation counts as 3.
"""
import warnings

import numpy as np
import pandas as pd

from .checks import rows

# event values read as text (a column that also holds other text): true/false and 1/0
WHOLE_TOLERANCE = 1e-9
_TRUE = {"true": True, "false": False, "1": True, "0": False, "1.0": True, "0.0": False}


def _series(values, index, name):
    if isinstance(values, pd.Series):
        return pd.Series(values.to_numpy(), index=index, name=name)
    return pd.Series(np.asarray(values), index=index, name=name)


def _hold(labels):
    """'row 3 holds' or 'rows 3, 7 hold'."""
    return f"{rows(labels)} {'holds' if len(labels) == 1 else 'hold'}"


def _numbers(column, what):
    """The column as float64; text in it, or missing values, are refused naming the rows."""
    values = pd.to_numeric(column, errors="coerce")
    text = (values.isna() & column.notna()).to_numpy()
    if text.any():
        first = column[text].iloc[0]
        raise ValueError(f"column {column.name!r} ({what}) must hold numbers; "
                         f"{_hold(column.index[text])} text such as {first!r}; fix or drop "
                         "those rows")
    missing = column.isna().to_numpy()
    if missing.any():
        raise ValueError(f"column {column.name!r} ({what}) is missing in "
                         f"{rows(column.index[missing])}; fill those values in or drop the rows "
                         "(--drop-missing on the command line)")
    values = values.to_numpy(np.float64)
    infinite = ~np.isfinite(values)
    if infinite.any():
        raise ValueError(f"column {column.name!r} ({what}) is infinite in "
                         f"{rows(column.index[infinite])}; give finite numbers")
    return values


def event_indicator(column):
    """The event column as bool: true/false or 0/1, else a ValueError naming the rows."""
    missing = column.isna().to_numpy()
    if missing.any():
        raise ValueError(f"the event column {column.name!r} is missing in "
                         f"{rows(column.index[missing])}; fill in 1 (event) or 0 (censored), or "
                         "drop those rows (--drop-missing on the command line)")
    if pd.api.types.is_bool_dtype(column):
        return column.to_numpy(bool)
    values = column.to_numpy(object)
    as_bool = np.array([v if isinstance(v, (bool, np.bool_)) else
                        _TRUE.get(v.strip().lower()) if isinstance(v, str) else
                        {0: False, 1: True}.get(v) if isinstance(v, (int, float, np.number))
                        and not isinstance(v, (bool, np.bool_)) else None
                        for v in values], dtype=object)
    bad = np.array([v is None for v in as_bool], dtype=bool)
    if bad.any():
        shown = list(dict.fromkeys(repr(v) if isinstance(v, str) else f"{v:g}"
                                   if isinstance(v, (int, float, np.number)) else repr(v)
                                   for v in values[bad]))[:5]
        raise ValueError(f"the event column {column.name!r} must be 0/1 (1 = the event was "
                         f"seen, 0 = censored) or true/false; {_hold(column.index[bad])} "
                         f"{', '.join(shown)}; recode the column as 1/0 (text such as "
                         "'dead'/'alive' is refused: say which value is the event)")
    return as_bool.astype(bool)


def check_outcome(event, time, index, event_name="event", time_name="time"):
    """(event as bool, time as float64) of the rows labelled ``index``, checked (module
    docstring), the messages naming the columns ``event_name`` and ``time_name``."""
    event = event_indicator(_series(event, index, event_name))
    time = _numbers(_series(time, index, time_name), "the time")
    negative = time < 0
    if negative.any():
        raise ValueError(f"the time column {time_name!r} is negative in {rows(index[negative])} "
                         f"(e.g. {time[negative][0]:g}); times are durations from the start of "
                         "follow-up, >= 0: check how they were computed")
    if not event.any():
        raise ValueError(f"the event column {event_name!r} has no event (1 or true) in any of "
                         f"the {len(event)} rows: every time is censored, so a survival model has "
                         "nothing to fit or score; check the coding (1 = the event was seen, "
                         "0 = censored)")
    return event, time


def survival_target(frame, time, event):
    """scikit-survival's structured y of the columns ``time`` and ``event`` of ``frame``.

    Parameters
    ----------
    frame : pandas.DataFrame
    time, event : str
        The names of the time column (numbers >= 0) and of the event column (0/1 or true/false).

    Returns
    -------
    structured ndarray of shape (n,)
        Fields ``event`` (bool) and ``time`` (float64), named after the columns.

    Examples
    --------
    >>> import pandas as pd
    >>> from nnfit.tabular.outcomes import survival_target
    >>> frame = pd.DataFrame({"months": [5.0, 12.0, 3.5], "died": [1, 0, 1]})
    >>> y = survival_target(frame, "months", "died")
    >>> y.dtype.names, y["died"].tolist()
    (('died', 'months'), [True, False, True])
    """
    if time == event:
        raise ValueError(f"the time and the event must be two columns; both are {time!r}")
    for name in (time, event):
        if name not in frame.columns:
            raise ValueError(f"column {name!r} is not in the data; its columns are "
                             f"{list(frame.columns)[:10]}")
    e, t = check_outcome(frame[event], frame[time], frame.index, event, time)
    y = np.empty(len(frame), dtype=[(event, bool), (time, np.float64)])
    y[event], y[time] = e, t
    return y


def _nonnegative(counts):
    """The Series ``counts`` as float64 numbers >= 0, else a ValueError naming the rows."""
    c = _numbers(counts, "the count")
    negative = c < 0
    if negative.any():
        raise ValueError(f"column {counts.name!r} (the count) is negative in "
                         f"{rows(counts.index[negative])}; a Poisson model needs counts >= 0")
    return c


def not_whole(c):
    """Where the numbers ``c`` are not whole (beyond ``WHOLE_TOLERANCE``, relative)."""
    return np.abs(c - np.round(c)) > WHOLE_TOLERANCE * np.maximum(1.0, np.abs(c))


def not_whole_said(counts, c, bad):
    """'row 3 holds 2.5 (and 4 more rows values that are not whole)'."""
    first = counts.index[bad][0]
    more = int(bad.sum()) - 1
    return (f"row {first} holds {c[bad][0]:.10g}" + (f" (and {more} more row(s) values that "
                                                    "are not whole)" if more else ""))


def check_counts(counts):
    """The counts of the Series ``counts`` as float64: numbers >= 0, else a ValueError naming
    the rows; values that are not whole numbers are kept with a warning naming a row (module
    docstring)."""
    c = _nonnegative(counts)
    bad = not_whole(c)
    if bad.any():
        warnings.warn(f"column {counts.name!r} (the count of a Poisson loss) is not a whole "
                      f"number: {not_whole_said(counts, c, bad)}; the Poisson deviance of such "
                      "values is a quasi-likelihood, fine for a non-negative real outcome, but "
                      "if this is a rate count / exposure, give the counts as the target and "
                      "the exposure as the exposure (--exposure on the command line)",
                      UserWarning, stacklevel=2)
    return c


def per_exposure(counts, exposure):
    """(y, sample_weight) = (count / exposure, exposure) for ``MLPRegressor(loss="poisson")``.

    Parameters
    ----------
    counts : pandas.Series
        The counts (whole numbers >= 0, not rates: a value that is not whole is refused).
    exposure : pandas.Series
        The exposure of each row (numbers > 0), e.g. person-years.

    Returns
    -------
    y : pandas.Series
        The rates, named as ``counts``.
    sample_weight : ndarray
        The exposures.

    Examples
    --------
    >>> import pandas as pd
    >>> from nnfit.tabular.outcomes import per_exposure
    >>> deaths = pd.Series([2, 0, 6], name="deaths")
    >>> y, w = per_exposure(deaths, pd.Series([1.0, 2.0, 3.0], name="years"))
    >>> y.tolist(), w.tolist()
    ([2.0, 0.0, 2.0], [1.0, 2.0, 3.0])
    """
    index = counts.index
    exposure = _series(exposure, index, getattr(exposure, "name", None) or "exposure")
    c = _nonnegative(counts)
    bad = not_whole(c)
    if bad.any():
        raise ValueError(f"column {counts.name!r} (the count over the exposure "
                         f"{exposure.name!r}) must hold whole numbers: "
                         f"{not_whole_said(counts, c, bad)}. Is this column already a rate (count / "
                         "exposure)? Then it would be divided by the exposure again: give the "
                         "counts as the target (--target on the command line), e.g. rate x "
                         "exposure; otherwise fix those rows")
    w = check_exposure(exposure)
    return pd.Series(c / w, index=index, name=counts.name), w


def check_exposure(exposure):
    """The exposures of the Series ``exposure`` as float64: numbers > 0, else a ValueError
    naming the rows."""
    w = _numbers(exposure, "the exposure")
    bad = w <= 0
    if bad.any():
        raise ValueError(f"the exposure column {exposure.name!r} is zero or negative in "
                         f"{rows(exposure.index[bad])} (e.g. {w[bad][0]:g}); every row needs an "
                         "exposure > 0 (a row observed for no time holds no information: drop "
                         "it)")
    return w
