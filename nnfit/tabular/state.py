"""The tabular model in a model file: the fitted encoders' attributes as JSON, never a pickle.

A tabular model serializes itself (``_TabularFile``, a mixin of the three tabular models): its
file is its inner estimator's header and arrays (``estimator_._to_file_parts``) with the JSON of
the preprocessing added to the header as ``tabular``; ``nnfit.load`` rebuilds the estimator
first, then the tabular model around it (``_from_file_parts``).

``to_dict`` stores what the fitted transformers of ``preprocess`` use at transform time: each
numeric column's mean and sd (StandardScaler's ``mean_`` and ``scale_``), each categorical
column's categories (OneHotEncoder's ``categories_``) and the imputers' ``statistics_``, with the
columns seen in fit, the excluded ones, the target's name and the task (and a survival model's
event and time columns, a count model's exposure column, and the split-conformal prediction
interval ``nnfit fit --interval`` calibrated: ``interval_``, its level, its half-width q and the
number of calibration rows, so that ``nnfit predict`` writes prediction +/- q; and what the
checks before fitting decided, ``prefit``: the date columns' origins and text formats, the
identifier columns left out, each column's count of imputed cells, the columns with a
missingness indicator).  ``from_dict`` treats the header as untrusted: every type, length,
name and number is checked (finite numbers, scales > 0, unique categories, sorted unless
marked ``"order": "given"``: a Categorical's, value labels, as many features as the network's
inputs) before the transformers are rebuilt: the same ColumnTransformer is fitted on a stand-in
frame (so scikit-learn sets up its own structure) and the stored statistics are put in place
of the stand-in's.  JSON keeps float64 exactly, so a loaded model predicts bit for bit.
"""
import math

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted

from ..modelfile.format import write
from .dates import dates_from_state, dates_state
from .imputed import as_state, counts_from_state, from_counts
from .preprocess import IMPUTE, make_preprocessor, parts

FORMAT = 2
# {"target", "preprocessing": {"numeric": [...], "categorical": [...]}} is nnfit 0.1's layout,
# kept as it is (so 0.1 files load and the model file schema of ``modelfile`` applies to both);
# format 2 adds the keys below and a fill value (the imputer's statistic) to each column's entry
_ADDED = {"format", "task", "columns", "exclude", "impute", "id_column"}
# optional keys of format 2: a survival model's outcome columns, a count model's exposure column,
# a regression's split-conformal interval; the checks before fitting (``prefit``): date columns
# with their origin and text format, identifier columns left out, the count of imputed cells of
# each column, the columns with a missingness indicator; the codes for missing the file of the
# fit was read with (``--na-values``), which the command line applies to new files
_OPTIONAL = {"survival", "exposure", "interval", "dates", "identifiers", "imputed", "indicators",
             "na_values"}
_INTERVAL = {"level", "method", "half_width", "n_calibration"}
_NUMERIC, _CATEGORICAL = {"column", "mean", "sd"}, {"column", "categories"}


class _TabularFile:
    def save(self, path, key=None):
        """Write the fitted model to ``path`` (a ``.nnfit`` file, no pickle; ``nnfit.load``);
        with ``key`` (or NNFIT_MODEL_KEY) signed by an HMAC-SHA256, as the estimators' save."""
        check_is_fitted(self, "estimator_")
        header, arrays = self._to_file_parts()
        return write(path, header, arrays, key)

    def _to_file_parts(self):
        """(header, arrays): the inner estimator's, and the preprocessing as ``tabular``."""
        header, arrays = self.estimator_._to_file_parts()
        if "ensemble" in header:  # an ensemble's file keeps each member's preprocessing
            raise TypeError("a tabular model around an MLPEnsemble cannot be saved (nnfit.load "
                            "could not read it back): put the ensemble around the tabular "
                            "model, nnfit.MLPEnsemble(nnfit.TabularClassifier(...)), as "
                            "'nnfit fit --ensemble' does")
        header["tabular"] = to_dict(self)
        return header, arrays

    @classmethod
    def _from_file_parts(cls, header, estimator):
        """The fitted model of a checked model file's header around its rebuilt ``estimator``."""
        return from_dict(cls, header["tabular"], estimator)


def to_dict(tab):
    """The JSON of a fitted tabular model's preprocessing, columns, target name and task."""
    scaler, encoder, numeric_imputer, categorical_imputer = parts(tab.preprocessor_)
    numeric = [{"column": name, "mean": float(scaler.mean_[j]), "sd": float(scaler.scale_[j]),
                "fill": None if numeric_imputer is None else
                float(numeric_imputer.statistics_[j])}
               for j, name in enumerate(tab.numeric_columns_)]
    categorical = [{"column": name, "categories": [str(c) for c in encoder.categories_[j]],
                    "fill": None if categorical_imputer is None else
                    str(categorical_imputer.statistics_[j])}
                   for j, name in enumerate(tab.categorical_columns_)]
    for entry in (e for e in categorical if e["categories"] != sorted(e["categories"])):
        entry["order"] = "given"  # a Categorical's own order (value labels), not sorted
    state = {"target": tab.target_name_ or "",  # "": y had no name
             "preprocessing": {"numeric": numeric, "categorical": categorical},
             "format": FORMAT, "task": _task(tab.estimator_),
             "columns": list(tab.feature_names_in_),
             "exclude": list(tab.excluded_), "impute": tab.impute_,
             "id_column": getattr(tab, "id_column_", None)}
    if state["task"] == "survival":
        state["survival"] = {"event": tab.event_name_, "time": tab.time_name_}
    if getattr(tab, "exposure_column_", None) is not None:
        state["exposure"] = tab.exposure_column_
    if getattr(tab, "interval_", None) is not None:
        state["interval"] = dict(tab.interval_)
    if getattr(tab, "dates_", None):
        state["dates"] = dates_state(tab.dates_)
    if getattr(tab, "identifiers_", None):
        state["identifiers"] = list(tab.identifiers_)
    if getattr(tab, "imputed_", None):
        state["imputed"] = as_state(tab.imputed_)
    if getattr(tab.preprocessor_, "indicators_", None):
        state["indicators"] = list(tab.preprocessor_.indicators_)
    if getattr(tab, "na_values_", None):
        state["na_values"] = [str(code) for code in tab.na_values_]
    return state


def _task(estimator):
    """What the fitted estimator does: classification, survival (a baseline hazard) or
    regression."""
    if hasattr(estimator, "classes_"):
        return "classification"
    return "survival" if hasattr(estimator, "unique_times_") else "regression"


def _fail(why):
    raise ValueError(f"the model file is not a valid nnfit model: its tabular section {why}; "
                     "fit and save the model again")


def _check(condition, why):
    if not condition:
        _fail(why)


def _strings(value, what, unique=True):
    _check(isinstance(value, list) and all(isinstance(v, str) for v in value),
           f"has a {what} that is not a list of strings")
    _check(not unique or len(set(value)) == len(value), f"repeats a name in its {what}")
    return value


def _number(value, what, positive=False):
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    _check(ok and (value > 0 or not positive),
           f"has {what} {value!r}, not a finite number" + (" > 0" if positive else ""))
    return float(value)


def _entries(state):
    """(numeric entries, categorical entries) with a fill of None where nnfit 0.1 had none."""
    prep = state.get("preprocessing")
    _check(isinstance(prep, dict) and set(prep) == {"numeric", "categorical"}
           and all(isinstance(prep[k], list) for k in prep),
           "has no preprocessing entry of numeric and categorical lists")
    old = "format" not in state
    found = []
    for kind, keys in (("numeric", _NUMERIC), ("categorical", _CATEGORICAL)):
        need = keys if old else keys | {"fill"}  # and a categorical's "order": "given"
        may = need | ({"order"} if kind == "categorical" and not old else set())
        for entry in prep[kind]:
            _check(isinstance(entry, dict) and need <= set(entry) <= may
                   and entry.get("order", "given") == "given",
                   f"has a {kind} entry without exactly the keys {sorted(keys)}"
                   + ("" if old else " and fill (and order 'given')"))
        found.append([dict(entry, fill=None) if old else entry for entry in prep[kind]])
    return found


def from_dict(cls, state, estimator):
    """Check ``state`` completely (see the module docstring), then rebuild the fitted model: a
    ``cls`` (``TabularClassifier``, ``TabularRegressor`` or ``TabularSurvival``) around the
    fitted ``estimator``."""
    _check(isinstance(state, dict), "is not a JSON object")
    keys = {"target", "preprocessing"} | (_ADDED if "format" in state else set())
    optional = _OPTIONAL if "format" in state else set()
    _check(keys <= set(state) <= keys | optional, f"has the keys {sorted(state)}, not "
           f"{sorted(keys)}" + (f" and optionally {sorted(optional)}" if optional else ""))
    numeric_entries, categorical_entries = _entries(state)
    used = [e["column"] for e in numeric_entries + categorical_entries]
    if "format" not in state:  # nnfit 0.1: every column but the target was used
        state = dict(state, format=FORMAT, task=None, columns=used, exclude=[], impute=None,
                     id_column=None)
    _check(state["format"] == FORMAT, f"has format {state['format']!r}, not {FORMAT}")
    is_classifier = hasattr(estimator, "classes_")
    task = _task(estimator)
    _check(state["task"] in (task, None), f"says {state['task']!r} but its network does {task}")
    outcome = state.get("survival")
    _check((task == "survival") == (outcome is not None), "has survival columns if and only if "
           "its network is a survival model")
    if outcome is not None:
        _check(isinstance(outcome, dict) and set(outcome) == {"event", "time"}
               and all(isinstance(v, str) for v in outcome.values())
               and outcome["event"] != outcome["time"],
               "has a survival entry without two distinct column names, event and time")
    exposure = state.get("exposure")
    _check(exposure is None or isinstance(exposure, str) and task == "regression",
           "has an exposure column that is not a regression's column name")
    interval = state.get("interval")
    if interval is not None:
        _check_interval(interval, task)
    _check(isinstance(state["target"], str), "has a target name that is not a string")
    _check(state["id_column"] is None or isinstance(state["id_column"], str),
           "has an id column name that is not a string")
    _check(state["impute"] in IMPUTE, f"has impute={state['impute']!r}, not one of {IMPUTE}")
    columns = _strings(state["columns"], "column list")
    exclude = _strings(state["exclude"], "list of excluded columns")
    _check(set(exclude) <= set(columns), "excludes columns it never saw")
    left_out = _strings(state.get("identifiers", []), "list of identifier columns")
    _check(not set(left_out) & set(exclude) and set(left_out) <= set(columns),
           "leaves out identifier columns it never saw, or excluded ones")
    impute = state["impute"]
    numeric, categorical = [], []
    for entry in numeric_entries:
        what = f"column {entry['column']!r}'s"
        numeric.append((entry["column"], _number(entry["mean"], f"{what} mean"),
                        _number(entry["sd"], f"{what} sd", positive=True),
                        None if impute is None else _number(entry["fill"], f"{what} fill value")))
        _check(impute is not None or entry["fill"] is None, "has fill values without imputation")
    for entry in categorical_entries:
        categories = _strings(entry["categories"], f"column {entry['column']!r}'s categories")
        _check(categories and (entry.get("order") == "given" or categories == sorted(categories)),
               f"has column {entry['column']!r}'s categories empty or not sorted")
        fill = entry["fill"]
        _check(fill is None if impute is None else fill in categories,
               f"has column {entry['column']!r}'s fill value {fill!r}, not one of its categories")
        categorical.append((entry["column"], categories, fill))
    _strings(used, "numeric and categorical columns")
    _check(used and set(used) == set(columns) - set(exclude) - set(left_out),
           "does not use exactly the columns it saw less the excluded ones")
    dates = dates_from_state(state.get("dates", []), [entry[0] for entry in numeric], _check)
    indicators = _strings(state.get("indicators", []), "list of indicator columns")
    _check(set(indicators) <= set(used) and (not indicators or impute.endswith("+indicator")),
           "has missingness indicators of columns it does not use, or without imputation")
    counts = counts_from_state(state.get("imputed", []), used, impute, _check)
    n_features = (len(numeric) + sum(len(entry[1]) for entry in categorical)
                  + len(indicators))
    _check(n_features == getattr(estimator, "n_features_in_", None),
           f"makes {n_features} features but the network takes "
           f"{getattr(estimator, 'n_features_in_', None)}")
    tab = cls(clone(estimator), exclude=list(exclude), impute=impute)
    _rebuild(tab, numeric, categorical, impute)
    tab.preprocessor_.indicators_ = list(indicators)
    tab.dates_, tab.identifiers_ = dates, list(left_out)
    tab.imputed_ = {} if impute is None else from_counts(counts, tab.preprocessor_,
                                                         tab.numeric_columns_, impute, parts)
    tab.estimator_, tab.excluded_, tab.impute_ = estimator, list(exclude), impute
    tab.feature_names_in_ = np.asarray(columns, dtype=object)
    tab.n_features_in_, tab.target_name_ = len(columns), state["target"] or None
    if state["id_column"] is not None:
        tab.id_column_ = state["id_column"]
    if state.get("na_values"):
        tab.na_values_ = _strings(state["na_values"], "list of codes for missing")
    if outcome is not None:
        tab.event_name_, tab.time_name_ = outcome["event"], outcome["time"]
    if exposure is not None:
        tab.exposure_column_ = exposure
    if interval is not None:
        tab.interval_ = dict(interval)
    if is_classifier:
        tab.classes_ = estimator.classes_
    return tab


def _check_interval(interval, task):
    """A split-conformal interval: a regression's level in (0, 1), half-width >= 0 and count of
    calibration rows >= 1."""
    _check(isinstance(interval, dict) and set(interval) == _INTERVAL and task == "regression",
           f"has an interval entry that is not a regression's {sorted(_INTERVAL)}")
    _check(interval["method"] == "split", "has an interval method other than 'split'")
    level = _number(interval["level"], "interval level")
    _check(0 < level < 1, f"has interval level {level!r}, not in (0, 1)")
    _check(_number(interval["half_width"], "interval half-width") >= 0,
           "has a negative interval half-width")
    count = interval["n_calibration"]
    _check(isinstance(count, int) and not isinstance(count, bool) and count >= 1,
           f"has {count!r} calibration rows, not a whole number >= 1")


def _rebuild(tab, numeric, categorical, impute):
    """Fit the preprocessor on a stand-in frame, then put the stored statistics in place."""
    n = max([2] + [len(entry[1]) for entry in categorical])
    stand_in = {name: np.arange(n, dtype=np.float64) for name, *_ in numeric}
    stand_in.update({name: np.resize(np.array(categories, dtype=object), n)
                     for name, categories, _ in categorical})
    names = [entry[0] for entry in numeric + categorical]
    preprocessor = make_preprocessor(
        [entry[0] for entry in numeric], [entry[0] for entry in categorical], impute,
        categories=[list(entry[1]) for entry in categorical])
    preprocessor.fit(pd.DataFrame(stand_in, columns=names))
    scaler, _, numeric_imputer, categorical_imputer = parts(preprocessor)
    if numeric:
        scaler.mean_ = np.array([entry[1] for entry in numeric], dtype=np.float64)
        scaler.scale_ = np.array([entry[2] for entry in numeric], dtype=np.float64)
        scaler.var_ = scaler.scale_ ** 2
    if numeric_imputer is not None:
        numeric_imputer.statistics_ = np.array([entry[3] for entry in numeric], dtype=np.float64)
    if categorical_imputer is not None:
        categorical_imputer.statistics_ = np.array([entry[2] for entry in categorical],
                                                   dtype=object)
    tab.preprocessor_ = preprocessor
    tab.numeric_columns_ = [entry[0] for entry in numeric]
    tab.categorical_columns_ = [entry[0] for entry in categorical]
