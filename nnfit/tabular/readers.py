"""Reading a researcher's table from a file, the reader chosen by the file's extension.

Every file is untrusted input: pandas and pyreadstat parse it (no parser is written here), and
each way a file can fail gets one ``ValueError`` saying what is wrong and what to do.

- Text, ``.csv``, ``.tsv``, ``.tab``, ``.txt`` (and any other extension): ``pandas.read_csv``
  (``dialect``), the separator (``,`` ``;`` tab ``|``; ``.tsv`` and ``.tab``: tab) and the
  decimal mark (a decimal comma in a ``;`` file) sniffed from the first lines unless given
  (``sep``, ``decimal``); UTF-8 unless ``encoding`` says otherwise.
- Excel, ``.xlsx`` / ``.xlsm``: pandas with openpyxl, the first sheet (saying so when there are
  others) or ``sheet`` (a name, or a position from 0).
- Parquet, ``.parquet`` / ``.pq``: pandas with pyarrow; a named index becomes a column again.
- Stata ``.dta``, SPSS ``.sav`` / ``.zsav`` / ``.por``, SAS ``.sas7bdat`` / ``.xpt``:
  pyreadstat.  Missing values (Stata's ``.`` and ``.a``-``.z``, SPSS's system- and user-missing
  values, SAS's) and empty text are missing; dates are dates.  A column whose every value has a
  value label becomes a pandas category of the labels, in the order of their codes; a column with
  labels for some values only stays numeric, with a warning naming it, since those are usually
  codes for "refused" or "unknown" that would count as numbers.
- Parquet, Stata, SPSS and SAS: a text column whose every value is a number becomes numbers,
  as in a text file, with a warning naming it (``dialect.text_numbers``).

The optional packages (openpyxl, pyarrow, pyreadstat) are imported only for their file types;
a missing one is a ``MissingReaderError`` (an ``ImportError`` and a ``ValueError``) naming the
``pip install`` line.  A file that is empty, has no data rows, is not what its extension says
(its first bytes are checked against the other formats' signatures), or names a column twice
(pandas would rename the second ``a.1``) is refused.  The rows come labelled 1, 2, ... in file
order (the header not counted), the labels every later message names them by.
"""
import codecs
import importlib
import warnings
import zipfile
from pathlib import Path

import pandas as pd

from .checks import closest, names, rows
from .dialect import (EXACT_FLOATS, WIDE, dots_as_missing, read_text,  # noqa: F401 (re-exported)
                      separator_hint, text_numbers)

EXCEL, PARQUET = (".xlsx", ".xlsm"), (".parquet", ".pq")
STATISTICAL = {".dta": ("read_dta", "Stata"), ".sav": ("read_sav", "SPSS"),
               ".zsav": ("read_sav", "SPSS"), ".por": ("read_por", "SPSS portable"),
               ".sas7bdat": ("read_sas7bdat", "SAS"), ".xpt": ("read_xport", "SAS transport")}
SIGNATURES = [  # (first bytes, what the file is, what to do)
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx workbook is one)",
     "if it is a workbook, name it .xlsx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel .xls workbook (or another OLE2 file)",
     "save it as .xlsx or CSV in Excel or LibreOffice"),
    (b"PAR1", "a Parquet file", "name it .parquet"),
    (b"<stata_dta>", "a Stata file", "name it .dta"),
    (b"$FL2", "an SPSS file", "name it .sav"), (b"$FL3", "a compressed SPSS file", "name it .zsav"),
    (b"\x00" * 12 + b"\xc2\xea\x81\x60\xb3\x14\x11\xcf", "a SAS file", "name it .sas7bdat"),
    (b"HEADER RECORD*******LIB", "a SAS transport file", "name it .xpt"),
    (b"\x1f\x8b", "a gzip-compressed file", "decompress it first"),
    (b"%PDF", "a PDF document", "export the table as CSV"),
]


class MissingReaderError(ImportError, ValueError):
    """The optional package that reads this type of file is not installed (the message gives
    the ``pip install`` line)."""


def read_file(path, *, sep=None, decimal=None, sheet=None, encoding=None, na_values=None):
    """The table in the file at ``path``, read by its extension as the module docstring says.

    Parameters
    ----------
    path : str or path-like
    sep : str, optional
        Text files: the separator (one character; ``"tab"`` or ``"\\t"`` for a tab); sniffed
        if not given.
    decimal : {".", ","}, optional
        Text files: the decimal mark; sniffed if not given.
    sheet : str or int, optional
        Excel files: the sheet's name, or its position from 0; the first if not given.
    encoding : str, optional
        Text files (default UTF-8) and Stata, SPSS and SAS files (default: what the file says).
    na_values : sequence of str, optional
        Codes that mean a missing value (``["-", "999"]``), besides the file type's own and,
        in text and Excel files, pandas' (an empty cell, ``NA``, ...) and ``.`` (SAS's and
        Stata's missing value, with a warning naming its columns and rows); also a value
        label's text.

    Returns
    -------
    pandas.DataFrame
        String column names, rows labelled 1, 2, ... in file order.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no data file at {path}")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise ValueError(f"{path} is an old Excel .xls workbook: save it as .xlsx (or CSV) in "
                         "Excel or LibreOffice")
    kind = ("Excel" if suffix in EXCEL else "Parquet" if suffix in PARQUET else
            STATISTICAL[suffix][1] if suffix in STATISTICAL else "text")
    given = [(name, value) for name, value, kinds in
             [("sep", sep, ("text",)), ("decimal", decimal, ("text",)),
              ("sheet", sheet, ("Excel",)), ("encoding", encoding, ("Excel", "Parquet"))]
             if value is not None and (kind in kinds) == (name == "encoding")]
    if given:
        raise ValueError(f"{given[0][0]}={given[0][1]!r} does not apply to {path}, which is read "
                         f"as a{'n' * (kind[0] in 'AEIOS')} {kind} file (by its extension)")
    na_values = _checked_codes(na_values)
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ValueError(f"encoding={encoding!r} is not an encoding Python knows; try "
                             "'utf-8', 'latin-1' or 'cp1252'") from None
    if path.stat().st_size == 0:
        raise ValueError(f"{path} is empty (0 bytes): give a file with a header and data rows")
    with open(path, "rb") as file:
        head = file.read(64)
    if kind == "text":
        _refuse_signature(path, head, "a text table")
        frame = read_text(path, sep, decimal, encoding or "utf-8", suffix, na_values)
    elif kind == "Excel":
        frame = dots_as_missing(_read_excel(path, sheet, head, na_values), path)
    elif kind == "Parquet":
        frame = text_numbers(_declared_missing(_read_parquet(path, head), na_values), path)
    else:
        frame = text_numbers(_read_statistical(path, suffix, encoding, head, na_values), path)
    return _checked(frame, path)


def _checked_codes(na_values):
    """``na_values`` as a list of strings (one string: one code)."""
    if na_values is None:
        return []
    codes = [na_values] if isinstance(na_values, str) else list(na_values)
    if not all(isinstance(code, (str, int, float)) and not isinstance(code, bool)
               for code in codes):
        raise ValueError(f"na_values={na_values!r} is invalid: give the codes for a missing "
                         "value as text, e.g. ['-', '999']")
    return [str(code) for code in codes]


def _declared_missing(frame, codes):
    """The cells of ``frame`` equal to one of ``codes`` (as text, or as a number in a numeric
    column) set missing."""
    numbers = pd.to_numeric(pd.Series(codes, dtype=object), errors="coerce").dropna().tolist()
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column.dtype) and numbers:
            frame[name] = column.mask(column.isin(numbers))
        elif column.dtype == object and codes:
            text = column.map(lambda v: v.strip() if isinstance(v, str) else v)
            frame[name] = column.mask(text.isin(codes).to_numpy())
    return frame


def _optional(module, suffix, package):
    try:
        return importlib.import_module(module)
    except ImportError:
        extra = "parquet" if package == "pyarrow" else "files"
        raise MissingReaderError(f"reading {suffix} files needs {package}: pip install "
                                 f"{package}, or pip install 'nnfit[{extra}]'",
                                 name=module) from None


def _signature(head):
    return next(((what, advice) for start, what, advice in SIGNATURES
                 if head.startswith(start)), None)


def _refuse_signature(path, head, expected):
    found = _signature(head)
    if found:
        raise ValueError(f"{path} is not {expected}: its first bytes are those of {found[0]}; "
                         f"{found[1]}")


def _unreadable(path, kind, error, head):
    """The ValueError for a file that its reader failed on, saying what its first bytes are."""
    found = _signature(head)
    if found:
        why = f"its first bytes are those of {found[0]}; {found[1]}"
    else:
        why = "check that it is what its extension says"
        try:
            head.decode("utf-8")
            why += " (it starts like text: a CSV file? then name it .csv)"
        except UnicodeDecodeError:
            pass
    text = " ".join(str(error).split())[:300]
    return ValueError(f"{path} is not a readable {kind} file ({text}); {why}")


def _checked(frame, path):
    frame.columns = [str(c) for c in frame.columns]
    twice = frame.columns[frame.columns.duplicated()]
    if len(twice):
        raise ValueError(f"{path} names column(s) {names(twice.unique())} more than once; "
                         "rename them so that each column has its own name")
    if frame.empty:
        raise ValueError(f"{path} has no data rows" + (f" (its columns are "
                         f"{names(frame.columns)})" if frame.shape[1] else ""))
    if frame.shape[1] >= WIDE:  # one 2-D block per dtype: later selections are one operation
        frame = frame.copy()
    return frame.set_axis(pd.RangeIndex(1, len(frame) + 1))


# --- binary formats ----------------------------------------------------------------------------
def _read_excel(path, sheet, head, na_values=()):
    _optional("openpyxl", path.suffix.lower(), "openpyxl")
    from openpyxl.utils.exceptions import InvalidFileException
    try:
        workbook = pd.ExcelFile(path, engine="openpyxl")
    except (ValueError, OSError, KeyError, zipfile.BadZipFile, InvalidFileException) as error:
        raise _unreadable(path, "Excel", error, head) from None
    with workbook:
        sheets = workbook.sheet_names
        if not sheets:
            raise ValueError(f"{path} has no sheets")
        if sheet is None:
            sheet = sheets[0]
            if len(sheets) > 1:
                warnings.warn(f"{path} has {len(sheets)} sheets ({names(sheets)}); reading the "
                              f"first, {sheet!r} (sheet=...; on the command line --sheet)",
                              UserWarning, stacklevel=4)
        elif isinstance(sheet, int) and not isinstance(sheet, bool):
            if not 0 <= sheet < len(sheets):
                raise ValueError(f"sheet={sheet} is out of range: {path} has {len(sheets)} "
                                 f"sheet(s), {names(sheets)}, at positions 0 to {len(sheets) - 1}")
            sheet = sheets[sheet]
        elif sheet not in sheets:
            raise ValueError(f"{path} has no sheet {sheet!r}{closest(sheet, sheets)}; its "
                             f"sheets are {names(sheets)}")
        header = workbook.parse(sheet, header=None, nrows=1)
        raw = [str(v) for v in header.iloc[0] if pd.notna(v)] if len(header) else []
        twice = [name for k, name in enumerate(raw) if name in raw[:k]]
        if twice:
            raise ValueError(f"{path}, sheet {sheet!r}, names column(s) "
                             f"{names(dict.fromkeys(twice))} more than once in its first row; "
                             "rename them so that each column has its own name")
        if not raw:
            raise ValueError(f"{path}, sheet {sheet!r}, is empty: its first row should name "
                             "the columns")
        return workbook.parse(sheet, na_values=list(na_values))


def _read_parquet(path, head):
    _optional("pyarrow", path.suffix.lower(), "pyarrow")
    try:
        frame = pd.read_parquet(path, engine="pyarrow")
    except (ValueError, OSError) as error:
        raise _unreadable(path, "Parquet", error, head) from None
    named = [name for name in frame.index.names if name is not None]
    return frame.reset_index(level=named) if named else frame


def _read_statistical(path, suffix, encoding, head, codes):
    function, what = STATISTICAL[suffix]
    pyreadstat = _optional("pyreadstat", suffix, "pyreadstat")
    options = {} if encoding is None or suffix == ".por" else {"encoding": encoding}
    try:
        frame, meta = getattr(pyreadstat, function)(str(path), **options)
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, OSError, ValueError,
            UnicodeDecodeError) as error:
        raise _unreadable(path, what, error, head) from None
    text = [name for name, dtype in frame.dtypes.items()
            if dtype == object or pd.api.types.is_string_dtype(dtype)]
    for name in text:  # Stata and SPSS keep a missing text value as "" (SPSS pads it)
        blank = frame[name].map(lambda v: isinstance(v, str) and not v.strip()).to_numpy(bool)
        if blank.any():
            frame[name] = frame[name].mask(blank)
    frame, partly = _declared_missing(frame, codes), []  # codes declared missing: not labelled
    for name, labels in (getattr(meta, "variable_value_labels", None) or {}).items():
        if name not in frame.columns or not labels:
            continue
        declared = [code for code, label in labels.items() if str(label).strip() in codes]
        values = frame[name] = frame[name].mask(frame[name].isin(declared))  # by their label
        labels = {code: label for code, label in labels.items() if code not in declared}
        labelled = values.isin(list(labels)).to_numpy()
        if labelled[values.notna().to_numpy()].all():
            order = dict.fromkeys(labels[code] for code in sorted(labels))  # lowest code first
            frame[name] = pd.Categorical(values.map(labels), categories=list(order))
        elif labelled.any():
            shown = ", ".join(f"{_code(code)} = {label!r}" for code, label in
                              list(labels.items())[:3]) + (", ..." if len(labels) > 3 else "")
            partly.append(f"column {name!r} ({shown}; {rows(values.index[labelled] + 1)})")
    if partly:
        warnings.warn(f"{path}: value labels cover only some of the values of "
                      f"{'; '.join(partly)}; such columns are read as numbers, so a code like "
                      "99 = 'refused' counts as the number 99: declare those codes missing "
                      "(user-missing in SPSS, .a to .z in Stata) or drop those rows",
                      UserWarning, stacklevel=4)
    return frame


def _code(value):
    return f"{value:g}" if isinstance(value, float) else repr(value) if isinstance(value, str) \
        else str(value)
