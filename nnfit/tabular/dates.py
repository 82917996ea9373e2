"""Date, time and duration columns as numbers: days since the earliest date of the training rows.

A date is not a category (as categories, 138 distinct admission dates would be 138 one-hot
columns, none of which a new date shares), and not its nanosecond count; a statistician enters
it as the time elapsed since a reference date.  ``find_dates`` finds, among the columns a
tabular model uses,

- datetime columns (``datetime64``, also with a time zone, compared in UTC; what Excel, Parquet,
  Stata, SAS and SPSS files give) and Python ``date``/``datetime`` objects (pyreadstat's dates);
- text whose every non-missing value is a date in one of ``FORMATS`` (``2020-01-31``,
  ``31/01/2020``, ``31.01.2020``, ``31JAN2020``, ...), or in ISO 8601 with a full date (a
  time, fractions of seconds, a time zone: ``2020-01-31T08:30:00+02:00``, compared in UTC), in
  the years ``YEARS``.  When several formats read every value
  differently (``03/04/2020``: 3 April or March 4?) the column is refused and the user told to
  write it as YYYY-MM-DD; when one format reads at least ``MOST`` of the values, the others are
  refused by row (a typo, or a code for missing);
- durations (``timedelta64``): their length in days, no origin.

Each becomes x = (t - t0) / 1 day, fractional for times of day, where t0 is the earliest value
in the training rows (its ``origin``).  The model keeps the origin and the text format
(``state``), so that ``to_days`` gives new rows the same numbers at prediction; a fit says
which columns it converted, with their ranges (a ``UserWarning``).
"""
import datetime
import re
import warnings

import numpy as np
import pandas as pd

from .checks import names, rows

FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
           "%Y/%m/%d", "%d/%m/%Y", "%m/%d/%Y", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M",
           "%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S",
           "%d.%m.%Y", "%d-%m-%Y", "%m-%d-%Y", "%d%b%Y", "%d-%b-%Y", "%d %b %Y", "%d%b%Y:%H:%M:%S")
ISO = "ISO 8601"  # after FORMATS: with a time zone (Z, +02:00) or fractions of seconds
_ISO = re.compile(r"\s*\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*"
                  r"(Z|[+-]\d{2}(:?\d{2})?)?\s*$")
_ZONE = re.compile(r".*\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)\s*$")
MOST = 0.9
YEARS = (1800, 2200)  # a "date" outside these years is not one (a version number such as 1.2.3)
DAY = pd.Timedelta(days=1)
_LOOKS = re.compile(r"\s*(\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{1,2}[- ]?[A-Za-z]{3}[- ]?\d{2,4})")
_SHORT_YEAR = r"\s*(\d{1,2}[-/]\d{1,2}[-/]\d{2}|\d{1,2}[- ]?[A-Za-z]{3}[- ]?\d{2})(\s.*)?$"


def is_time(series):
    return (pd.api.types.is_datetime64_any_dtype(series.dtype)
            or pd.api.types.is_timedelta64_dtype(series.dtype))


def _date_objects(values):
    """Whether every value (non-missing) is a Python date or datetime (pyreadstat's dates)."""
    return len(values) > 0 and all(isinstance(v, (datetime.date, pd.Timestamp)) for v in values)


def _parse(text, fmt):
    if fmt == ISO:
        return _iso(text)
    return pd.to_datetime(text, format=fmt, errors="coerce")


def _iso(text):
    """ISO 8601 date-times (a full date, a time, a time zone: compared in UTC), NaT for other
    text (also a year or a month alone, which would be a guess of the day)."""
    text = pd.Series(text, dtype=object)
    whole = text.map(lambda v: isinstance(v, str) and _ISO.match(v) is not None).astype(bool)
    parsed = pd.to_datetime(text.where(whole, None), format="ISO8601", utc=True,
                            errors="coerce")
    return parsed.dt.tz_convert(None)


def _one_zone_kind(name, column):
    """Refuse ISO 8601 text that mixes times with a time zone and times without one (which
    instant a time without a zone is would be a guess); dates alone may stand beside either."""
    present = column[column.notna()].astype(str)
    present = present[present.str.contains(r"\d{2}:\d{2}")]  # a date alone is a day, no instant
    zoned = present.map(lambda v: _ZONE.match(v) is not None).to_numpy(bool)
    if zoned.any() and not zoned.all():
        raise ValueError(f"column {name!r} mixes times with a time zone "
                         f"({present[zoned].iloc[0]!r} in {rows(present.index[zoned][:1])}) and "
                         f"without one ({present[~zoned].iloc[0]!r} in "
                         f"{rows(present.index[~zoned][:1])}); which instant the second is would "
                         "be a guess: give every value a time zone, or none")


LEAVE_OUT = ", or leave the column out (exclude=[...]; --exclude)"


def text_format(name, column, leave_out=LEAVE_OUT):
    """The format of ``FORMATS`` in which the text ``column`` is dates, or None if it is not
    dates; a ValueError naming the rows when it almost is (module docstring).  ``leave_out``
    ends the advice ("" at prediction, where the model needs the column)."""
    present = column[column.notna()]
    if not len(present) or not _LOOKS.match(str(present.iloc[0])):
        return None
    text = present.astype(str).str.strip()
    unique = pd.Series(pd.unique(text))
    parsed = {fmt: _parse(unique, fmt) for fmt in FORMATS + (ISO,)}
    parsed = {fmt: dates.where(dates.dt.year.between(*YEARS)) for fmt, dates in parsed.items()}
    full = [fmt for fmt, dates in parsed.items() if dates.notna().all()]
    if full:
        readings = {tuple(parsed[fmt].to_numpy()) for fmt in full}
        if len(readings) > 1:
            example = next(v for v, a, b in zip(unique, parsed[full[0]], parsed[full[1]])
                           if a != b)
            raise ValueError(f"column {name!r} holds dates that read two ways ({example!r} is "
                             f"{parsed[full[0]][unique == example].iloc[0]:%Y-%m-%d} as "
                             f"{full[0]} and {parsed[full[1]][unique == example].iloc[0]:%Y-%m-%d}"
                             f" as {full[1]}); write them as YYYY-MM-DD (e.g. 2020-04-03)"
                             + leave_out)
        if full[0] == ISO:
            _one_zone_kind(name, present)
        return full[0]
    best = max(FORMATS + (ISO,), key=lambda fmt: parsed[fmt].notna().sum())
    read = dict(zip(unique, parsed[best].notna()))
    bad = ~text.map(read).to_numpy(bool)
    if (~bad).mean() >= MOST:
        raise ValueError(f"column {name!r} holds dates (written like {text[~bad].iloc[0]!r}) "
                         f"but {names(pd.unique(text[bad]))} in {rows(present.index[bad])} "
                         "are not dates in that form; fix those cells, or declare them missing "
                         "(na_values=[...] when reading; on the command line --na-values)")
    short = text.str.match(_SHORT_YEAR).to_numpy(bool)
    if short.mean() >= MOST:  # 15/03/52: 1952 or 2052?
        raise ValueError(f"column {name!r} holds dates with two-digit years (like "
                         f"{text[short].iloc[0]!r} in {rows(present.index[short][:1])}), whose "
                         "century is a guess; write them with four-digit years or as "
                         "YYYY-MM-DD" + leave_out)
    return None


def find_dates(frame, used):
    """{column: (origin, format)} for the date, time and duration columns among ``used``
    (module docstring), with one warning naming them; ``origin`` is an ISO string (None for a
    duration), ``format`` a text format (None for datetime values)."""
    found, shown = {}, []
    for name in used:
        column = frame[name]
        fmt = None
        if pd.api.types.is_timedelta64_dtype(column.dtype):
            found[name] = (None, None)
            shown.append(f"{name!r} (a duration, in days)")
            continue
        if not pd.api.types.is_datetime64_any_dtype(column.dtype):
            if not (column.dtype == object or pd.api.types.is_string_dtype(column.dtype)):
                continue
            present = column[column.notna()]
            if not _date_objects(present.iloc[:100]) or not _date_objects(present):
                fmt = text_format(name, column)
                if fmt is None:
                    continue
        values = _datetimes(column, fmt)
        days_origin, last = values.min(), values.max()
        if pd.isna(days_origin):
            continue  # no values at all: refused later, naming the column
        found[name] = (days_origin.isoformat(), fmt)
        shown.append(f"{name!r} ({days_origin:%Y-%m-%d} to {last:%Y-%m-%d}"
                     + (f", written {fmt}" if fmt else "") + ")")
    if shown:
        warnings.warn(f"column(s) {', '.join(shown)} hold dates or times: each enters the model "
                      "as the days since its earliest date in the training rows (a number, not "
                      "a category; the model file keeps that origin for new rows); to leave one "
                      "out, exclude=[...] (on the command line --exclude)",
                      UserWarning, stacklevel=4)
    return found


def _datetimes(column, fmt):
    """The column as naive UTC datetimes (text read in ``fmt``); unreadable values NaT."""
    if fmt is not None:
        return _parse(column.astype(object).where(column.notna(), None).map(
            lambda v: v if v is None else str(v).strip()), fmt)
    values = pd.to_datetime(column, errors="coerce", utc=True) if not \
        pd.api.types.is_datetime64_any_dtype(column.dtype) or \
        getattr(column.dtype, "tz", None) is not None else column
    return values.dt.tz_convert(None) if getattr(values.dtype, "tz", None) is not None \
        else values


def to_days(name, column, origin, fmt):
    """The float64 days of ``column`` since ``origin`` (module docstring); a value that is
    not missing and not a date is refused, naming its rows."""
    if origin is None and fmt is None and pd.api.types.is_timedelta64_dtype(column.dtype):
        return (column / DAY).to_numpy(dtype=np.float64, na_value=np.nan)
    if pd.api.types.is_numeric_dtype(column.dtype) and column.notna().any():
        raise ValueError(f"column {name!r} holds numbers ({column[column.notna()].iloc[0]}), "
                         + ("but the model was fitted on dates in this column; give dates, e.g. "
                            "written YYYY-MM-DD (2020-04-03)" if origin is not None else
                            "but the model was fitted on durations (timedelta) in this column"))
    if origin is None:
        raise ValueError(f"column {name!r} was a duration when the model was fitted; give it "
                         "as a duration (timedelta) again")
    if pd.api.types.is_timedelta64_dtype(column.dtype):
        raise ValueError(f"column {name!r} holds durations, but the model was fitted on dates "
                         "in this column")
    text = _is_text(column)
    if fmt is None and text:  # fitted on datetimes, given text: read it as at fit, or ISO 8601
        fmt = text_format(name, column, leave_out="") or ISO
    if fmt == ISO and text:
        _one_zone_kind(name, column)
    values = _datetimes(column, fmt if text else None)  # datetimes given: as they are
    if text and fmt != ISO:  # ISO 8601 is never ambiguous: read in any model
        values = values.where(values.notna(), _datetimes(column, ISO))
    bad = (values.isna() & column.notna()).to_numpy()
    if bad.any():
        raise ValueError(f"column {name!r}, {rows(column.index[bad])}: "
                         f"{column[bad].iloc[0]!r} is not a date"
                         + (f" written {fmt}" if fmt and fmt != ISO else
                            " (write dates as YYYY-MM-DD)")
                         + ", but the model was fitted on dates in this column; fix or drop "
                         "those rows")
    return ((values - pd.Timestamp(origin)) / DAY).to_numpy(dtype=np.float64, na_value=np.nan)


def _is_text(column):
    """Whether ``column`` is text (not datetimes, nor Python date objects)."""
    if not (column.dtype == object or pd.api.types.is_string_dtype(column.dtype)):
        return False
    return not _date_objects(column[column.notna()])


def earliest(column):
    """The earliest date of a datetime column as an ISO string, None if it has none."""
    first = _datetimes(column, None).min()
    return None if pd.isna(first) else first.isoformat()


def dates_state(dates):
    """The model file's ``dates`` list of {column: (origin, format)}."""
    return [{"column": name, "origin": origin, "format": fmt}
            for name, (origin, fmt) in dates.items()]


def dates_from_state(entries, numeric, check):
    """{column: (origin, format)} of a model file's ``dates`` list, each entry checked
    (``check``: ``state._check``): a numeric column, an ISO origin (None: a duration) and a
    text format or None."""
    found = {}
    check(isinstance(entries, list), "has a dates entry that is not a list")
    for entry in entries:
        check(isinstance(entry, dict) and set(entry) == {"column", "origin", "format"}
              and entry["column"] in numeric and entry["column"] not in found
              and all(entry[k] is None or isinstance(entry[k], str) for k in ("origin", "format"))
              and (entry["origin"] is not None or entry["format"] is None),
              "has a date entry without a numeric column, an origin and a format")
        try:
            origin = None if entry["origin"] is None else pd.Timestamp(entry["origin"])
        except ValueError:
            origin = pd.NaT
        check(origin is None or not pd.isna(origin),
              f"has the date origin {entry['origin']!r}, which is not a date")
        check(entry["format"] in (None, ISO) + FORMATS,
              f"has the date format {entry['format']!r}, which this nnfit does not know (a "
              "newer nnfit wrote it?)")
        found[entry["column"]] = (entry["origin"], entry["format"])
    return found
