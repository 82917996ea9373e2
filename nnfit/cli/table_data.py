"""Reading the user's table and checking the names typed on the command line, for ``nnfit fit``,
``predict`` and ``evaluate``: rows are labelled 1, 2, ... in file order (header not counted), so
that every message names rows as the user sees them in the file."""
import sys
from pathlib import Path

import pandas as pd

from ..tabular.models import closest
from ..tabular.preprocess import names, rows

ROWS_NOTE = "Rows in messages are numbered from 1, the header line not counted."
# pandas 3 parses CSV numbers exactly by default; pandas 2's default parser may miss by an ulp
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
    return frame.set_axis(pd.RangeIndex(1, len(frame) + 1))


def _read_csv(path):
    advice = ("check that it is a comma-separated text table with a header line, saved as UTF-8 "
              "(not a spreadsheet, a compressed or another binary file)")
    try:
        return pd.read_csv(path, **EXACT_FLOATS)
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a readable CSV file: it is not UTF-8 text (a binary "
                         f"file, or another encoding?); {advice}") from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path} is empty: give a CSV file with a header line and data "
                         "rows") from None
    except pd.errors.ParserError as error:
        raise ValueError(f"{path} is not a readable CSV file ({str(error).strip()}); "
                         f"{advice}") from None


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
