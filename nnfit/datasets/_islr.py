"""Loaders for the ISLR2 data sets used with neural networks in chapter 10.

``Hitters`` (baseball salaries, a regression problem), ``Khan`` (gene
expression of four tumour types, a classification problem) and ``Default``
(credit-card default, an imbalanced two-class problem of ISLR2 exercise 10.7)
are shipped as CSV files taken from the ISLP Python package (BSD licence).
"""

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ._checksums import SUMS_NAME, verify_files

ISLR_DIR = Path(__file__).parent / "data" / "islr"
ISLR_CITATION = (
    "G. James, D. Witten, T. Hastie, R. Tibshirani, J. Taylor, An "
    "Introduction to Statistical Learning with Applications in Python "
    "(ISLP package, BSD licence)"
)
HITTERS_CATEGORICAL = ["League", "Division", "NewLeague"]

HITTERS_DESCR = f"""Hitters: Major League Baseball data, 1986 and 1987 seasons.

263 players with a known 1987 Salary (the 59 without one are dropped).
data: 16 numeric predictors plus League_N, Division_W and NewLeague_N,
one-hot encodings of League, Division and NewLeague (first level dropped).
target: Salary, annual salary on opening day 1987 in thousands of dollars.
frame: the 263 rows as read, with the categorical columns unencoded.
Source: {ISLR_CITATION}."""

KHAN_DESCR = f"""Khan: gene expression of small round blue cell tumours.

2308 gene expression measurements per tissue sample; the label is one of
four tumour types coded 1..4. 63 training and 20 test samples.
Source: {ISLR_CITATION}."""


DEFAULT_DESCR = f"""Default: simulated credit-card default data (ISLR2 section 4.3, exercise 10.7).

10,000 customers, 333 of whom (3.33 %) defaulted on their credit-card debt.
data: student (1.0 for a student, else 0.0), balance (average monthly
credit-card balance after the payment, dollars) and income (annual, dollars).
target: default, "Yes" or "No".
frame: the 10,000 rows as read, with student and default as "Yes"/"No".
Source: {ISLR_CITATION}."""


def load_hitters():
    """Load the ``Hitters`` data of ISLR2 (baseball salaries) as a Bunch.

    The 263 players with a known 1987 salary; the file is checked against its SHA-256 sum.

    Returns
    -------
    sklearn.utils.Bunch
        ``data``: float DataFrame (263, 19) of the predictors, the categorical League,
        Division and NewLeague one-hot encoded with the first level dropped; ``target``:
        Salary (thousands of dollars); ``frame``: the rows as read, categorical columns
        unencoded; ``feature_names``; ``DESCR``.

    Examples
    --------
    >>> from nnfit.datasets import load_hitters
    >>> hitters = load_hitters()
    >>> hitters.data.shape
    (263, 19)
    """
    frame = _read_csv("Hitters.csv").dropna(subset=["Salary"])
    frame = frame.reset_index(drop=True)
    predictors = frame.drop(columns="Salary")
    data = pd.get_dummies(
        predictors, columns=HITTERS_CATEGORICAL, drop_first=True, dtype=float
    ).astype(float)
    return Bunch(
        data=data,
        target=frame["Salary"].astype(float),
        frame=frame,
        feature_names=list(data.columns),
        DESCR=HITTERS_DESCR,
    )


def load_khan():
    """Load the ``Khan`` gene-expression data of ISLR2 as a Bunch.

    Four types of small round blue cell tumours, 2,308 genes; the files are checked against
    their SHA-256 sums.

    Returns
    -------
    sklearn.utils.Bunch
        ``X_train`` (63, 2308) and ``X_test`` (20, 2308), float64; ``y_train`` and ``y_test``,
        int64 labels 1 to 4; ``DESCR``.

    Examples
    --------
    >>> from nnfit.datasets import load_khan
    >>> khan = load_khan()
    >>> khan.X_train.shape, khan.X_test.shape
    ((63, 2308), (20, 2308))
    """
    return Bunch(
        X_train=_read_csv("Khan_xtrain.csv").to_numpy(np.float64),
        y_train=_read_labels("Khan_ytrain.csv"),
        X_test=_read_csv("Khan_xtest.csv").to_numpy(np.float64),
        y_test=_read_labels("Khan_ytest.csv"),
        DESCR=KHAN_DESCR,
    )


def load_default():
    """Load the ``Default`` data of ISLR2 (credit-card default) as a Bunch.

    The file is checked against its SHA-256 sum before it is read.

    Returns
    -------
    sklearn.utils.Bunch
        ``data``: float DataFrame (10000, 3) with columns ``student`` (1.0 for
        a student, 0.0 otherwise), ``balance`` and ``income``;
        ``target``: Series of the labels ``"No"``/``"Yes"`` (333 ``"Yes"``);
        ``frame``: the table as read; ``feature_names``; ``DESCR``.

    Raises
    ------
    ValueError
        If the shipped file does not match its SHA-256 sum.

    Examples
    --------
    >>> from nnfit.datasets import load_default
    >>> default = load_default()
    >>> default.data.shape, int((default.target == "Yes").sum())
    ((10000, 3), 333)
    """
    frame = _read_csv("Default.csv")
    for column in ("default", "student"):
        values = set(frame[column].unique())
        if not values <= {"Yes", "No"}:
            raise ValueError(f"Default.csv column {column!r} has values {sorted(values)}, "
                             "expected only 'Yes' and 'No'; reinstall nnfit to restore the file")
    data = pd.DataFrame({
        "student": (frame["student"] == "Yes").astype(float),
        "balance": frame["balance"].astype(float),
        "income": frame["income"].astype(float),
    })
    return Bunch(
        data=data,
        target=frame["default"].rename("default"),
        frame=frame,
        feature_names=list(data.columns),
        DESCR=DEFAULT_DESCR,
    )


def _read_labels(name):
    """Read a one-column label CSV as an int64 array."""
    return _read_csv(name).iloc[:, 0].to_numpy(np.int64)


def _read_csv(name):
    """Read a shipped CSV after checking its SHA-256 sum."""
    path = ISLR_DIR / name
    verify_files(
        [path], ISLR_DIR / SUMS_NAME, remedy="reinstall nnfit to restore it"
    )
    return pd.read_csv(path)
