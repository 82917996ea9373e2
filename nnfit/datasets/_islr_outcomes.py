"""Loaders for the ISLR2 tables of survival times (chapter 11) and counts (section 4.6).

``BrainCancer`` (survival of 88 patients after stereotactic radiosurgery for a brain tumour),
``Publication`` (time from the end of 244 clinical trials to the publication of their results)
and ``Bikeshare`` (hourly counts of the users of Washington's bike-sharing scheme in 2011) are
shipped as CSV files taken from the ISLP Python package (BSD licence), checked against their
SHA-256 sums like the other ISLR2 tables.  Categorical columns are one-hot encoded with the
first of the book's levels dropped (its reference level, as R's treatment contrasts do), so a
linear model fitted to ``data`` has the coefficients the book reports.
"""
import pandas as pd
from sklearn.utils import Bunch

from ._islr import ISLR_CITATION, _read_csv

#: The levels of each categorical column in the book's (R's) order; the first is the reference.
BRAIN_CANCER_LEVELS = {
    "sex": ["Female", "Male"],
    "diagnosis": ["Meningioma", "LG glioma", "HG glioma", "Other"],
    "loc": ["Infratentorial", "Supratentorial"],
    "stereo": ["SRS", "SRT"],
}
MONTHS = ["Jan", "Feb", "March", "April", "May", "June", "July", "Aug", "Sept", "Oct", "Nov", "Dec"]
BIKESHARE_LEVELS = {
    "mnth": MONTHS,
    "weathersit": ["clear", "cloudy/misty", "light rain/snow", "heavy rain/snow"],
}

BRAIN_CANCER_DESCR = f"""BrainCancer: survival after stereotactic radiosurgery (ISLR2 section 11.3).

88 patients with a primary brain tumour, followed for up to 82.6 months; 35 died during the
follow-up (status 1), the others were censored (status 0).  One patient has no diagnosis and is
dropped, as R's coxph drops the row: 87 rows, 35 deaths.
data: sex_Male, diagnosis_LG glioma, diagnosis_HG glioma, diagnosis_Other (reference:
meningioma), loc_Supratentorial (reference: infratentorial), ki (Karnofsky index), gtv (gross
tumour volume, cm^3), stereo_SRT (stereotactic radiotherapy; reference: radiosurgery, SRS).
target: DataFrame of status (True = death observed) and time (months).
frame: the 87 rows as read, categorical columns unencoded.
Source: {ISLR_CITATION}."""

PUBLICATION_DESCR = f"""Publication: time to publication of clinical-trial results (ISLR2 section 11.5.4).

244 clinical trials funded by the US National Heart, Lung, and Blood Institute, followed from
the end of the trial for up to 131 months; 156 were published (status 1), the rest censored.
data: posres (1 = a positive result), multi (multi-centre trial), clinend (clinical endpoint),
sampsize (participants), budget (millions of dollars), impact (impact factor of the journal
that published the results: known only after publication, 0 for 87 of the 88 unpublished
trials, so it gives the outcome away; leave it out of a predictive model) and mech_...
(funding mechanism, one-hot, reference: Contract).
target: DataFrame of status (True = published) and time (months).
frame: the 244 rows as read.
Source: {ISLR_CITATION}."""

BIKESHARE_DESCR = f"""Bikeshare: hourly users of Capital Bikeshare, Washington DC, 2011 (ISLR2 section 4.6).

8,645 hours (a few hours of the year are missing).  target: bikers, the number of users in the
hour (casual + registered, which are therefore not predictors).
data: season (1-4), day (of the year), hr (0-23), holiday, weekday (0 = Sunday), workingday,
temp, atemp (feeling temperature), hum (humidity), windspeed (all four scaled to [0, 1]),
mnth_... (reference: Jan) and weathersit_... (reference: clear; heavy rain/snow occurs in one
hour only).
frame: the 8,645 rows as read.
Source: {ISLR_CITATION}."""


def load_brain_cancer():
    """Load the ``BrainCancer`` survival data of ISLR2 (chapter 11) as a Bunch.

    The 87 patients with a diagnosis (one of the 88 has none); the file is checked against its
    SHA-256 sum.  The categorical columns are one-hot encoded against the book's reference
    levels, so a Cox model on ``data`` has the coefficients of ISLR2's Table 11.2.

    Returns
    -------
    sklearn.utils.Bunch
        ``data``: float DataFrame (87, 8) of the predictors; ``target``: DataFrame with
        ``status`` (bool, True = death observed) and ``time`` (months); ``frame``: the rows as
        read; ``feature_names``; ``DESCR``.  For scikit-survival,
        ``Surv.from_arrays(target.status, target.time)``.

    Examples
    --------
    >>> from nnfit.datasets import load_brain_cancer
    >>> brain = load_brain_cancer()
    >>> brain.data.shape, int(brain.target.status.sum())
    ((87, 8), 35)
    """
    frame = _read_csv("BrainCancer.csv").dropna(subset=["diagnosis"]).reset_index(drop=True)
    return _survival_bunch(frame, BRAIN_CANCER_LEVELS, BRAIN_CANCER_DESCR)


def load_publication():
    """Load the ``Publication`` survival data of ISLR2 (section 11.5.4) as a Bunch.

    Time from the end of 244 clinical trials to the publication of their results; the file is
    checked against its SHA-256 sum.  The column ``impact`` is known only once a trial is
    published (see ``DESCR``): drop it before predicting publication.

    Returns
    -------
    sklearn.utils.Bunch
        ``data``: float DataFrame (244, 19): posres, multi, clinend, sampsize, budget, impact
        and the funding mechanism one-hot (reference ``Contract``); ``target``: DataFrame with
        ``status`` (bool, True = published) and ``time`` (months); ``frame``: the rows as
        read; ``feature_names``; ``DESCR``.

    Examples
    --------
    >>> from nnfit.datasets import load_publication
    >>> publication = load_publication()
    >>> publication.data.shape, int(publication.target.status.sum())
    ((244, 19), 156)
    """
    frame = _read_csv("Publication.csv")
    levels = {"mech": sorted(frame["mech"].unique())}    # R's factor order: alphabetical
    return _survival_bunch(frame, levels, PUBLICATION_DESCR)


def load_bikeshare():
    """Load the ``Bikeshare`` counts of ISLR2 (section 4.6, Poisson regression) as a Bunch.

    The number of bike-sharing users in each of 8,645 hours of 2011 with the calendar and the
    weather; the file is checked against its SHA-256 sum.

    Returns
    -------
    sklearn.utils.Bunch
        ``data``: float DataFrame (8645, 24): season, day, hr, holiday, weekday, workingday,
        temp, atemp, hum, windspeed and one-hot mnth (reference ``Jan``) and weathersit
        (reference ``clear``); ``target``: Series ``bikers`` (counts); ``frame``: the rows as
        read (with ``casual`` and ``registered``, whose sum is ``bikers``);
        ``feature_names``; ``DESCR``.

    Examples
    --------
    >>> from nnfit.datasets import load_bikeshare
    >>> bikeshare = load_bikeshare()
    >>> bikeshare.data.shape, int(bikeshare.target.sum())
    ((8645, 24), 1243103)
    """
    frame = _read_csv("Bikeshare.csv")
    predictors = frame.drop(columns=["casual", "registered", "bikers"])
    data = _one_hot(predictors, BIKESHARE_LEVELS)
    return Bunch(data=data, target=frame["bikers"].rename("bikers"), frame=frame,
                 feature_names=list(data.columns), DESCR=BIKESHARE_DESCR)


def _survival_bunch(frame, levels, descr):
    """A survival Bunch: one-hot predictors, target (status as bool, time), frame, DESCR."""
    target = pd.DataFrame({"status": frame["status"].astype(bool),
                           "time": frame["time"].astype(float)})
    data = _one_hot(frame.drop(columns=["status", "time"]), levels)
    return Bunch(data=data, target=target, frame=frame, feature_names=list(data.columns),
                 DESCR=descr)


def _one_hot(predictors, levels):
    """Float DataFrame: the columns of ``levels`` one-hot in that order, first level dropped."""
    for column, values in levels.items():
        unknown = set(predictors[column].unique()) - set(values)
        if unknown:
            raise ValueError(f"column {column!r} has unexpected values {sorted(unknown)}; "
                             "reinstall nnfit to restore the file")
        predictors = predictors.assign(**{column: pd.Categorical(predictors[column], values)})
    return pd.get_dummies(predictors, columns=list(levels), drop_first=True,
                          dtype=float).astype(float)
