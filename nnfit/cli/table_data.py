"""Reading the user's table, checking the names typed on the command line and reading its
target column, for ``nnfit fit``, ``predict``, ``evaluate`` and ``cv``: the file is read by its
extension (``nnfit.tabular.readers``: CSV and other text with the separator and decimal mark
sniffed or given by ``--sep`` / ``--decimal``, Excel ``--sheet``, Parquet, Stata, SPSS, SAS),
its rows labelled 1, 2, ... in file order (header not counted), so that every message names
rows as the user sees them in the file."""
import re
import sys
import warnings

import numpy as np
import pandas as pd

from ..tabular.models import closest
from ..tabular.prefit import CODE_SHARE, MAX_CODES, MIN_NUMBERS, check_labels
from ..tabular.preprocess import is_numeric_column, names, rows
from ..tabular.readers import EXACT_FLOATS, WIDE, read_file, separator_hint  # noqa: F401

MAX_CLASSES_AUTO = 10
WEIGHT_RATIO = 1e8  # a --weight this many times the median: the rest are lost in float32 sums
ROWS_NOTE = "Rows in messages are numbered from 1, the header line not counted."
FORMATS = ("a .csv/.tsv/.txt text table, .xlsx, .parquet (needs pyarrow), or a Stata .dta, SPSS "
           ".sav, SAS .sas7bdat/.xpt file (needs pyreadstat)")
READING = ("sep", "decimal", "sheet", "encoding", "na_values")


def read_table(path, sep=None, decimal=None, sheet=None, encoding=None, na_values=None):
    """The table at ``path``, its rows labelled 1, 2, ... in file order (header not counted);
    the options as ``nnfit.tabular.readers.read_file``'s, named as on the command line in its
    messages."""
    try:
        return read_file(path, sep=sep, decimal=decimal, sheet=sheet, encoding=encoding,
                         na_values=na_values)
    except ValueError as error:
        text = str(error)
        text = re.sub(r" \(on the command line --[a-z]+\)|; on the command line --[a-z]+", "",
                      text)
        for name in READING:
            text = text.replace(f"{name}=", f"--{name.replace('_', '-')} ")
        raise ValueError(text) from None


def read_data(args, model=None):
    """``read_table`` of ``args.data`` with the reading options of ``add_reading_options``; a
    ``model`` fitted on a file read with ``--na-values`` reads new files with the same codes
    unless --na-values is given (a warning says so where they differ)."""
    options = {name: getattr(args, name, None) for name in READING}
    saved = getattr(model, "na_values_", None)
    if saved and options["na_values"] is None:
        options["na_values"] = list(saved)
    elif saved and sorted(map(str, options["na_values"])) != sorted(saved):
        warnings.warn(f"--na-values {' '.join(options['na_values'])} differs from the codes for "
                      f"missing the model was fitted with ({' '.join(saved)}); a code read as a "
                      "number here was missing in training", UserWarning, stacklevel=2)
    return read_table(args.data, **options)


def add_reading_options(parser):
    """--sep, --decimal, --sheet, --encoding, --na-values: how to read the data file; each not
    given is sniffed, or the reader's default."""
    parser.add_argument("--sep", metavar="CHAR",
                        help="the separator of a text table: ',' ';' '|' or tab (default: "
                             "sniffed from its first lines)%(default).0s")
    parser.add_argument("--decimal", choices=[".", ","],
                        help="the decimal mark of a text table (default: ',' in a table not "
                             "separated by commas whose numbers are written like 1,5; else "
                             "'.')%(default).0s")
    parser.add_argument("--sheet", metavar="NAME",
                        help="the sheet of an Excel workbook (default: the first)%(default).0s")
    parser.add_argument("--encoding", metavar="NAME",
                        help="the encoding of a text table (default: UTF-8; cp1252 or latin-1 "
                             "for many Windows files), or of a Stata, SPSS or SAS file "
                             "(default: what the file says)%(default).0s")
    parser.add_argument("--na-values", nargs="+", metavar="CODE",
                        help="codes that mean a missing value, e.g. --na-values - 999 (always "
                             "missing: an empty cell, NA, NaN, null and, in text and Excel "
                             "files, '.' as SAS and Stata write it)%(default).0s")


def add_check_options(parser):
    """--keep and --allow-similar-classes: the checks before fitting overruled
    (``nnfit.tabular.prefit``)."""
    parser.add_argument("--keep", nargs="+", default=[], metavar="COLUMN",
                        help="use these columns as predictors even though they look like "
                             "identifiers (unique text, a 1..n row number, a record number), "
                             "which are otherwise left out with a warning")
    parser.add_argument("--allow-similar-classes", action="store_true",
                        help="accept target labels that differ only by case, spaces or one "
                             "letter from a far more frequent one ('mm' beside 'M'), otherwise "
                             "refused as probable typos")


def add_weight_option(parser):
    """--weight COLUMN: the rows' weights, never a predictor."""
    parser.add_argument("--weight", metavar="COLUMN",
                        help="a column of row weights, numbers >= 0 (survey, frequency or "
                             "inverse-probability weights): a weight of 2 counts the row twice, "
                             "0 leaves it out, in the preprocessing, the fit and the scores; "
                             "never a predictor (times the --exposure of counts); nnfit fit's "
                             "coefficient table takes them as frequencies unless --robust-se"
                             "%(default).0s")


def row_weights(frame, column, exposure=None):
    """The ``--weight`` column as float64 weights (times ``exposure``, the weights of counts
    per exposure, if any), each problem named with its rows."""
    values = frame[column]
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(np.float64)
    problems = [("is missing", values.isna().to_numpy()),
                ("is not a number", np.isnan(numbers) & values.notna().to_numpy())]
    with np.errstate(invalid="ignore"):
        problems += [("is infinite", np.isinf(numbers)), ("is negative", numbers < 0)]
    for what, bad in problems:
        if bad.any():
            first = values[bad].iloc[0]
            shown = "" if what == "is missing" else f" ({first!r})" if isinstance(first, str) \
                else f" ({float(first):g})"
            raise ValueError(f"--weight {column}: the weight {what} in {rows(values.index[bad])}"
                             f"{shown}; weights are numbers >= 0: fix or drop those rows"
                             + (" (--drop-missing)" if what == "is missing" else ""))
    with np.errstate(over="ignore"):
        total = numbers.sum()
    if not total > 0:
        raise ValueError(f"--weight {column}: every weight is 0; at least one row needs a "
                         "positive weight")
    if not np.isfinite(total):
        raise ValueError(f"--weight {column}: the weights add up to more than float64 holds "
                         f"(the largest is {numbers.max():g}); only their ratios matter: divide "
                         "them by a power of 10")
    positive = numbers[numbers > 0]
    typical = float(np.median(positive))
    swamping = numbers > WEIGHT_RATIO * typical
    if swamping.any() and swamping.sum() < len(positive):  # the others would count for nothing
        raise ValueError(f"--weight {column}: the weight in {rows(values.index[swamping])} "
                         f"({numbers[swamping].max():g}) is more than {WEIGHT_RATIO:g} times the "
                         f"median weight ({typical:g}), so the other rows would count for "
                         "nothing in a fit or a score (a code for missing, or a typo?); correct or "
                         "drop those rows")
    return numbers if exposure is None else numbers * np.asarray(exposure, dtype=np.float64)


def check_names(frame, option, wanted):
    """Each of ``wanted`` must be a column; else the columns and the closest name."""
    for name in wanted:
        if name not in frame.columns:
            raise ValueError(f"{option} {name}: no such column{closest(name, frame.columns)}; "
                             f"the columns are {names(frame.columns)}{_one_column(frame)}"
                             + _title_rows(frame))


def _title_rows(frame):
    """The advice for a table whose header is not its first row (a title above it)."""
    unnamed = sum(bool(re.fullmatch(r"Unnamed: \d+", str(c))) for c in frame.columns)
    return ("" if unnamed < max(1, len(frame.columns) / 2) else
            "; most columns have no name, so the first row is not the header line (a title "
            "above the table?): delete the rows above the header line in the file")


def _one_column(frame):
    """The advice for a table read as one column whose name holds a separator."""
    sep = separator_hint(frame.columns)
    if sep is None:
        return ""
    shown = {"\t": "tab", ";": "semicolon", "|": "'|'", ",": "comma"}[sep]
    typed = {"\t": "tab", ";": "';'", "|": "'|'", ",": "','"}[sep]
    return (f"; this looks like a {shown}-separated file read as one column: pass --sep {typed}"
            + (" (and --decimal ',' if its numbers are written like 1,5)" if sep != "," else ""))


def drop_missing(frame, columns):
    """The rows with no missing value in ``columns`` (--drop-missing), saying how many went."""
    missing = frame[columns].isna()
    empty = missing.columns[missing.all().to_numpy()]
    if len(empty):  # every row would go, and the message would not say why
        typed = " ".join(map(str, empty.unique()))
        raise ValueError(f"column(s) {names(empty.unique())} have no values at all (missing in "
                         f"all {len(frame)} rows), so --drop-missing would drop every row; "
                         f"leave them out (--exclude {typed}) or fill them in")
    gone = missing.any(axis=1)
    if gone.any():
        print(f"dropped {int(gone.sum())} row(s) with missing values ({rows(frame.index[gone])}),"
              f" {int((~gone).sum())} left", file=sys.stderr)
    if gone.all():
        raise ValueError("every row has a missing value; nothing is left to use")
    return frame[~gone]


def infer_task(target):
    """--task auto (its help); a text target of numbers but for a few codes refused, as
    predictors are (``prefit.check_codes``): each number would be a class."""
    if not is_numeric_column(target):
        present = target.dropna().astype(str).str.strip()
        numbers = pd.to_numeric(present, errors="coerce")
        codes = pd.unique(present[numbers.isna().to_numpy()])
        if 0 < numbers.isna().mean() <= CODE_SHARE and numbers.nunique() >= MIN_NUMBERS and \
                len(codes) <= MAX_CODES:
            where = "; ".join(f"{code!r} in {rows(present.index[(present == code).to_numpy()])}"
                              for code in codes)
            raise ValueError(f"the target column {target.name!r} holds numbers except {where}: "
                             "codes for a missing or censored value? As it stands each distinct "
                             "number would be a class. Declare them missing (--na-values "
                             f"{' '.join(codes)}) and drop those rows (--drop-missing), or fix "
                             "those cells; for classes anyway, --task classification")
        return "classification"
    values = target.dropna().to_numpy(np.float64)
    whole = np.all(values == np.round(values))
    return "classification" if whole and target.nunique() <= MAX_CLASSES_AUTO else "regression"


def target_values(target, task, allow_similar_classes=True):
    """The target column read for its task, each problem named with its rows; a classifier's
    labels checked for typos on the whole file (``prefit.check_labels``) unless
    ``allow_similar_classes`` (``--allow-similar-classes``), so that ``cv`` names every row
    of a mistyped label, not those of one training fold."""
    missing = target.isna().to_numpy()
    if missing.any():
        raise ValueError(f"the target column {target.name!r} has missing values in "
                         f"{rows(target.index[missing])}; drop those rows (--drop-missing)")
    if task == "classification":
        if is_numeric_column(target) or target.dtype == bool:
            return target
        labels = target.astype(str)
        check_labels(labels, allow_similar_classes)
        return labels
    values = pd.to_numeric(target, errors="coerce")
    bad = np.flatnonzero(values.isna().to_numpy() | ~np.isfinite(values.to_numpy(np.float64)))
    if bad.size:
        raise ValueError(f"column {target.name!r}, {rows(target.index[bad[:1]])}: "
                         f"{target.iloc[bad[0]]!r} is not a finite number, but regression needs "
                         "a numeric target; use --task classification for labels")
    return values.astype(np.float64)
