"""Reading the user's table, checking the names typed on the command line and reading its
target column, for ``nnfit fit``, ``predict`` and ``evaluate``: rows are labelled 1, 2, ... in
file order (header not counted), so that every message names rows as the user sees them in the
file."""
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from ..tabular.models import closest
from ..tabular.preprocess import is_numeric_column, names, rows

MAX_CLASSES_AUTO = 10
ROWS_NOTE = "Rows in messages are numbered from 1, the header line not counted."
# pandas 3 parses CSV numbers exactly by default; pandas 2's default parser may miss by an ulp
WIDE = 1000
EXACT_FLOATS = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}


def read_table(path):
    """The table at ``path``, its rows labelled 1, 2, ... in file order (header not counted)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no data file at {path}")
    if path.suffix.lower() in (".parquet", ".pq"):
        try:
            frame = pd.read_parquet(path)
        except ImportError:
            raise ValueError("reading Parquet needs pyarrow: pip install pyarrow, or give a "
                             "CSV file") from None
        except (ValueError, OSError) as error:
            raise ValueError(f"{path} is not a readable Parquet file ({error}); check the file, "
                             "or give a CSV file") from None
    else:
        frame = _read_csv(path)
    if frame.empty:
        raise ValueError(f"{path} has no data rows")
    frame.columns = [str(c) for c in frame.columns]
    if frame.shape[1] >= WIDE:  # read_csv keeps one array per column: one 2-D block per dtype
        frame = frame.copy()    # makes each later selection of rows or columns one operation
    return frame.set_axis(pd.RangeIndex(1, len(frame) + 1))


def _read_csv(path):
    advice = ("check that it is a comma-separated text table with a header line, saved as UTF-8 "
              "(not a spreadsheet, a compressed or another binary file)")
    try:
        return pd.read_csv(path, low_memory=_low_memory(path), **EXACT_FLOATS)
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a readable CSV file: it is not UTF-8 text (a binary "
                         f"file, or another encoding?); {advice}") from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path} is empty: give a CSV file with a header line and data "
                         "rows") from None
    except pd.errors.ParserError as error:
        raise ValueError(f"{path} is not a readable CSV file ({str(error).strip()}); "
                         f"{advice}") from None


def _low_memory(path):
    """low_memory for read_csv: False (one pass, 2.4 times faster: 3.9 s instead of 9.4 s for 30
    rows x 100,000 columns) when the header names WIDE columns or more, else pandas' default."""
    with open(path, "rb") as file:
        header = file.readline(10_000_000)
    return header.count(b",") + 1 < WIDE


def check_names(frame, option, wanted):
    """Each of ``wanted`` must be a column; else the columns and the closest name."""
    for name in wanted:
        if name not in frame.columns:
            raise ValueError(f"{option} {name}: no such column{closest(name, frame.columns)}; "
                             f"the columns are {names(frame.columns)}")


def drop_missing(frame, columns):
    """The rows with no missing value in ``columns`` (--drop-missing), saying how many went."""
    gone = frame[columns].isna().any(axis=1)
    if gone.any():
        print(f"dropped {int(gone.sum())} row(s) with missing values ({rows(frame.index[gone])}),"
              f" {int((~gone).sum())} left", file=sys.stderr)
    if gone.all():
        raise ValueError("every row has a missing value; nothing is left to use")
    return frame[~gone]


def infer_task(target):
    if not is_numeric_column(target):
        return "classification"
    values = target.dropna().to_numpy(np.float64)
    whole = np.all(values == np.round(values))
    return "classification" if whole and target.nunique() <= MAX_CLASSES_AUTO else "regression"


def target_values(target, task):
    missing = target.isna().to_numpy()
    if missing.any():
        raise ValueError(f"the target column {target.name!r} has missing values in "
                         f"{rows(target.index[missing])}; drop those rows (--drop-missing)")
    if task == "classification":
        return target if is_numeric_column(target) or target.dtype == bool else target.astype(str)
    values = pd.to_numeric(target, errors="coerce")
    bad = np.flatnonzero(values.isna().to_numpy() | ~np.isfinite(values.to_numpy(np.float64)))
    if bad.size:
        raise ValueError(f"column {target.name!r}, {rows(target.index[bad[:1]])}: "
                         f"{target.iloc[bad[0]]!r} is not a finite number, but regression needs "
                         "a numeric target; use --task classification for labels")
    return values.astype(np.float64)
