"""Reading a text table (``readers``' CSV, TSV and other text files): how it is written, then
``pandas.read_csv``.

- The separator, unless given: among ``,`` ``;`` tab ``|`` those that split the header of the
  first lines (at least 64 KB, more until 50 line breaks, or 3 past 1 MB, at most 16 MB: a
  wide table's rows are long) into more than one column and every sampled row into as many,
  split as the ``csv`` module does (quotes honoured); ``csv.Sniffer``'s choice among them, else
  the one giving the most columns; none: ``,`` (one column, or ragged rows that ``read_csv``
  then names).
- The decimal mark, unless given: ``,`` when the separator is not ``,`` and some sampled data
  cell (of the first 200,000) is a number like ``1,5`` or ``1.234,5`` and none is one like
  ``1.5`` (both kinds: an error asking for ``decimal``); else ``.``.  With a decimal comma,
  ``.`` groups thousands only where a cell like ``1.234,5`` shows it.
- Data rows with more fields than the header line: a separator ending every line is dropped;
  other extra fields are refused (``read_csv`` would silently take them for row labels and
  shift the columns).  A header line naming a column twice is refused (``read_csv`` would
  rename the second ``a.1``); a file that is not text in its encoding (UTF-8 unless given, a
  byte-order mark allowed) or that ``read_csv`` cannot parse gets one ``ValueError`` saying
  what to do.
- Missing values: pandas' own (an empty cell, ``NA``, ``NaN``, ``null``, ...), the codes given
  as ``na_values``, and ``.`` alone in a cell, SAS's and Stata's missing value, with a warning
  naming the columns and rows (``dots_as_missing``); a text column that is numbers but for its
  ``.`` cells becomes numbers.
- ``text_numbers``, for readers' binary files: a text column whose every value is a number
  becomes numbers, as ``read_csv`` would read it, with a warning.
"""
import codecs
import csv
import io
import itertools
import re

import warnings

import pandas as pd

from .checks import names, rows

SEPARATORS = (",", ";", "\t", "|")
SAMPLE, MAX_SAMPLE, SAMPLE_LINES, MAX_CELLS = 65536, 1 << 24, 50, 200_000
WIDE = 1000  # columns from which read_csv reads in one pass and the frame is consolidated
# pandas 3 parses CSV numbers exactly by default; pandas 2's default parser may miss by an ulp
EXACT_FLOATS = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
_NUMBER = r"\s*[-+]?(?:\d+{0}\d*|{0}\d+)(?:[eE][-+]?\d+)?\s*"
COMMA_NUMBER, POINT_NUMBER = re.compile(_NUMBER.format(",")), re.compile(_NUMBER.format(r"\."))
FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")  # read_csv's words
GROUPED = re.compile(r"\s*[-+]?\d{1,3}(?:\.\d{3})+,\d*\s*")


def read_text(path, sep, decimal, encoding, suffix, na_values=()):
    """The text table at ``path`` (module docstring); ``sep``, ``decimal``: None to sniff;
    ``na_values``: cell texts that mean missing besides pandas' own ('', 'NA', ...)."""
    sep = checked_sep(sep, decimal)
    what = "CSV file" if suffix == ".csv" else "text table"
    sample, truncated = _sample(path, encoding, what)
    if sep is None and suffix in (".tsv", ".tab"):
        sep = "\t"
    sep, split = _sniff_separator(sample, truncated) if sep is None else \
        (sep, _split(sample, sep, truncated))
    decimal, thousands = _sniff_decimal(path, split or [[]], sep, decimal)
    if sep == decimal:
        raise ValueError(f"sep and decimal are both {sep!r}; give different ones")
    if split and (len(split) > 1 or not truncated):  # the whole header line is in the sample
        raw = split[0]
    else:
        header = _parse(path, what, sep, decimal, thousands, encoding, header=None, nrows=1,
                        dtype=str, na_filter=False)
        raw = [str(name) for name in header.iloc[0]] if len(header) else []
    seen, twice = set(), []
    for name in raw:
        if name.strip() and name in seen:
            twice.append(name)
        seen.add(name)
    if twice:
        raise ValueError(f"{path} names column(s) {names(dict.fromkeys(twice))} more than once "
                         "in its header line; rename them so that each column has its own name")
    options = dict(low_memory=len(raw) < WIDE, **EXACT_FLOATS,
                   **({"na_values": list(na_values)} if na_values else {}))
    frame = _parse(path, what, sep, decimal, thousands, encoding, **options)
    if isinstance(frame.index, pd.RangeIndex):
        return dots_as_missing(frame, path, decimal, thousands)
    # the data rows have more fields than the header: read_csv took the first as row labels
    fields = _parse(path, what, sep, decimal, thousands, encoding, header=None, skiprows=1,
                    **options)
    extra = fields.shape[1] - len(raw)
    if fields.iloc[:, -extra:].isna().all(axis=None):  # a separator at the end of every line
        return dots_as_missing(_parse(path, what, sep, decimal, thousands, encoding,
                                      index_col=False, **options), path, decimal, thousands)
    hint = separator_hint(raw)
    raise ValueError(f"{path}: the data rows have {fields.shape[1]} fields but the header line "
                     f"names {len(raw)} column(s) " + (
                         f"(this looks like a {_shown(hint)}-separated file: pass sep={hint!r})"
                         if hint else "(a column of row names without a name, as R's "
                         "write.table writes?); name every column in the header line" if extra == 1
                         else "(is the first line a title above the table?); delete the lines "
                         "above the header line"))


def dots_as_missing(frame, path, decimal=".", thousands=None):
    """``.`` alone in a cell is missing, as in SAS and Stata: such cells become NaN, a text
    column that is numbers otherwise becomes numbers (written with ``decimal`` and
    ``thousands``), and a warning names the columns and the rows (counted from 1)."""
    found = []
    for name in frame.columns[(frame.dtypes == object).to_numpy()]:
        column = frame[name]
        text = column.map(lambda v: v.strip() if isinstance(v, str) else v)
        dots = (text == ".").to_numpy()
        if not dots.any():
            continue
        column = column.mask(dots)
        numbers = text.mask(dots)
        if decimal == ",":
            if thousands:
                numbers = numbers.str.replace(thousands, "", regex=False)
            numbers = numbers.str.replace(",", ".", regex=False)
        numbers = pd.to_numeric(numbers, errors="coerce")
        numeric = bool((numbers.notna() | column.isna()).all()) and column.notna().any()
        frame[name] = numbers.astype("float64") if numeric else column
        found.append(f"{name!r} ({rows(frame.index[dots] + 1)}"
                     + (", otherwise numbers" if numeric else "") + ")")
    if found:
        warnings.warn(f"{path}: '.' read as a missing value, as SAS and Stata write one, in "
                      f"column(s) {'; '.join(found[:10])}"
                      + (f" and {len(found) - 10} more" if len(found) > 10 else "")
                      + "; name other codes for missing with na_values=[...] (on the command "
                      "line --na-values)", UserWarning, stacklevel=5)
    return frame


def text_numbers(frame, path):
    """Text columns of a binary file (a Stata or SPSS string variable, a Parquet string column)
    whose every value is a number written as text become float64 numbers, as ``read_csv``
    reads them (as text each distinct number would be a category), with a warning naming them
    (``readers``' Parquet, Stata, SPSS and SAS files)."""
    found = []
    for name in frame.columns[(frame.dtypes == object).to_numpy()]:
        present = frame[name].dropna()
        if len(present) and all(isinstance(v, str) for v in present):
            numbers = pd.to_numeric(present.str.strip(), errors="coerce")
            if numbers.notna().all():
                frame[name] = numbers.reindex(frame.index).astype("float64")
                found.append(name)
    if found:
        warnings.warn(f"{path}: column(s) {names(found)} are stored as text but every value is a "
                      "number: read as numbers, as in a CSV file", UserWarning, stacklevel=5)
    return frame


def checked_sep(sep, decimal):
    """``sep`` as one character (``"tab"`` and ``"\\t"`` are a tab) or None; refuses a bad
    ``sep`` or ``decimal``."""
    if sep is not None:
        sep = "\t" if sep in ("tab", "\\t") else sep
        if not isinstance(sep, str) or len(sep) != 1 or sep in "\"\r\n":
            raise ValueError(f"sep={sep!r} is invalid: give one character such as ',' ';' '|' "
                             "or 'tab'")
    if decimal is not None and decimal not in (".", ","):
        raise ValueError(f"decimal={decimal!r} is invalid: give '.' or ','")
    return sep


def separator_hint(columns):
    """The separator that a table read as one column seems to use (``;`` in
    'Income;Limit;Rating'), or None."""
    if len(columns) != 1:
        return None
    counts = {sep: str(columns[0]).count(sep) for sep in (";", "\t", "|", ",")}
    best = max(counts, key=counts.get)
    return best if counts[best] else None


def _parse(path, what, sep, decimal, thousands, encoding, **options):
    advice = (f"check that it is a {_shown(sep)}-separated table with a header line, "
              f"saved as {_named(encoding)} (not a spreadsheet, a compressed or another binary "
              "file)")
    try:
        return pd.read_csv(path, sep=sep, decimal=decimal, thousands=thousands,
                           encoding=encoding, **options)
    except UnicodeDecodeError:
        raise not_encoded(path, encoding, what) from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path} has no header line: give a text table with a header line "
                         "and data rows") from None
    except pd.errors.ParserError as error:
        fields = FIELDS.search(str(error))
        if fields:  # one line has more fields than the header line names columns
            expected, line, saw = fields.groups()
            raise ValueError(f"{path} has {saw} fields in line {line}, but its header line "
                             f"names {expected} columns; a value holding the separator "
                             f"({_shown(sep)}) must be in double quotes, or that line has a "
                             "stray separator: correct it") from None
        raise ValueError(f"{path} is not a readable {what} ({str(error).strip()}); "
                         f"{advice}") from None


def not_encoded(path, encoding, what):
    return ValueError(f"{path} is not a readable {what}: it is not {_named(encoding)} text (a "
                      "binary file, or another encoding?); save it as UTF-8, or give its "
                      "encoding (encoding='cp1252' or 'latin-1' for many Windows files; on the "
                      "command line --encoding)")


def _named(encoding):
    return "UTF-8" if codecs.lookup(encoding).name == "utf-8" else encoding


def _shown(sep):
    return {"\t": "tab", ",": "comma", ";": "semicolon", "|": "'|'"}.get(sep, repr(sep))


def _sample(path, encoding, what):
    """(text of the first lines, whether the file goes on), as the module docstring says."""
    utf8 = codecs.lookup(encoding).name == "utf-8"
    decoder = codecs.getincrementaldecoder("utf-8-sig" if utf8 else encoding)()
    text, size, breaks = [], 0, 0
    with open(path, "rb") as file:
        while size < MAX_SAMPLE:
            chunk = file.read(SAMPLE)
            try:
                text.append(decoder.decode(chunk, final=not chunk))
            except UnicodeDecodeError:
                raise not_encoded(path, encoding, what) from None
            size, breaks = size + len(chunk), breaks + text[-1].count("\n")
            if not chunk or breaks >= SAMPLE_LINES or (breaks >= 3 and size >= 1 << 20):
                break
        truncated = bool(file.read(1))
    return "".join(text), truncated


def _split(sample, sep, truncated):
    """The sampled rows split by ``sep`` as the csv module does, blank lines and a last row
    that the sample may have cut left out; None where the csv module fails."""
    try:
        split = [r for r in csv.reader(io.StringIO(sample), delimiter=sep) if r]
    except csv.Error:
        return None
    return split[:-1] if truncated and len(split) > 1 else split


def _sniff_separator(sample, truncated):
    """(separator, the sample split by it) as the module docstring says."""
    fits, splits = {}, {}
    for sep in SEPARATORS:
        splits[sep] = split = _split(sample, sep, truncated)
        if split and len(split[0]) > 1 and all(len(r) == len(split[0]) for r in split[1:]):
            fits[sep] = len(split[0])
    if not fits:
        return ",", splits[","]
    try:
        sniffed = csv.Sniffer().sniff(sample[:SAMPLE], delimiters="".join(SEPARATORS)).delimiter
    except csv.Error:
        sniffed = None
    sep = sniffed if sniffed in fits else max(fits, key=fits.get)
    return sep, splits[sep]


def _sniff_decimal(path, split, sep, decimal):
    """(decimal, thousands) for the sampled data rows (at most MAX_CELLS cells), as the module
    docstring says."""
    if decimal == "." or (decimal is None and sep == ","):
        return decimal or ".", None
    cells = list(itertools.islice(((i, j, cell) for i, row in enumerate(split[1:], 1)
                                   for j, cell in enumerate(row)), MAX_CELLS))
    grouped = next(((i, j, c) for i, j, c in cells if GROUPED.fullmatch(c)), None)
    if decimal == ",":
        return ",", "." if grouped else None
    comma = next(((i, j, c) for i, j, c in cells if COMMA_NUMBER.fullmatch(c)), grouped)
    if comma is None:
        return ".", None
    point = next(((i, j, c) for i, j, c in cells if POINT_NUMBER.fullmatch(c)), None)
    if point is not None:
        where = [f"{c.strip()!r} (row {i}, column {_column(split[0], j)!r})"
                 for i, j, c in (comma, point)]
        raise ValueError(f"{path} writes numbers both with a decimal comma, {where[0]}, and "
                         f"with a point, {where[1]}; say which is the decimal mark: "
                         "decimal=',' or decimal='.' (on the command line --decimal)")
    return ",", "." if grouped else None


def _column(header, j):
    return header[j] if j < len(header) else f"number {j + 1}"
