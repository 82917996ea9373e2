"""The parts of ``nnfit report`` that describe rather than score: the data (rows, outcome,
columns used and how their missing values were handled), the model (what its model file
records: architecture, parameters, settings, how it was fitted) and the reference model fitted
on training rows.

The reference (``fit_reference``) is the model every reader knows, fitted by maximum
likelihood in the same preprocessing as the network on the training rows, and replaced by a
penalized fit where it has none (separated classes, a Poisson fit that does not converge), with
a note: the rule of ``nnfit.tabular.reference``, which ``nnfit cv`` follows too.  Unlike cv's,
the report's logistic regression takes no class weights, whatever the network's: its
probabilities are meant to be calibrated.

An ensemble (``nnfit fit --ensemble K``, ``nnfit.MLPEnsemble``) is described by its first
member (the members share the architecture, the settings and, unless bootstrapped, the
preprocessing), with how many members there are, how each one's fit ran, and each member scored
alone on the test rows beside the average (``tabular.ensemble_scores``).
"""
import numpy as np
import pandas as pd

from ..engine.network import summary_table
from ..tabular.dates import to_days
from ..tabular.ensemble_scores import score_members, spread
from ..tabular.preprocess import check_columns
from ..tabular.reference import fit_reference as fit_default_reference, refit_note
from ..tabular.state import to_dict

SETTINGS = ("hidden_layer_sizes", "activation", "dropout", "ridge", "lasso", "loss", "ties",
            "optimizer", "learning_rate", "learning_rate_decay", "batch_size", "epochs",
            "early_stopping", "validation_fraction", "patience", "monitor", "class_weight",
            "dtype", "random_state")


def describe_data(model, X, dropped):
    """The rows and columns of the test table ``X`` as read (before the rows ``dropped`` went):
    one entry per column the model uses (its kind, training statistics from the model file,
    missing values here and how they were handled; the exposure of a model of counts over an
    exposure apart, never among the columns left out).  The statistics of these rows are those of
    the rows analysed, as the model file's are (sd with n in the denominator, as the training
    rows were standardized); a date as the model reads it, days since the training origin."""
    state = to_dict(single(model))
    entries = {e["column"]: ("numeric", e) for e in state["preprocessing"]["numeric"]}
    entries.update({e["column"]: ("categorical", e)
                    for e in state["preprocessing"]["categorical"]})
    dates = getattr(single(model), "dates_", None) or {}
    analysed = X.drop(index=dropped) if len(dropped) else X
    columns = []
    for name in model.numeric_columns_ + model.categorical_columns_:
        kind, entry = entries[name]
        values = analysed[name]
        missing = int(X[name].isna().sum())
        if kind == "numeric":
            numbers = (to_days(name, values, *dates[name]) if name in dates
                       else values.to_numpy(np.float64, na_value=np.nan))
            here = (f"mean {_g(np.nanmean(numbers))}, sd {_g(np.nanstd(numbers))}"
                    if np.isfinite(numbers).sum() > 1 else "n/a")
            stored = f"mean {_g(entry['mean'])}, sd {_g(entry['sd'])}; standardized"
            if name in dates:
                origin = dates[name][0]
                unit = "days" if origin is None else f"days since {_day(origin)}"
                here, stored = f"{here} ({unit})", f"{stored} ({unit})"
        else:
            seen = set(entry["categories"])
            unseen = int((values.notna() & ~values.astype(str).isin(seen)).sum())
            here = (f"{values.nunique()} distinct"
                    + (f", {unseen} row(s) of categories not seen in training" if unseen else ""))
            stored = f"{len(entry['categories'])} categories; one-hot encoded"
        if missing and entry["fill"] is not None:
            how = state["impute"] if kind == "numeric" else "most frequent"
            handled = f"imputed with the training {how} value {_fill(entry['fill'])}"
        else:
            handled = "none missing" if not missing else "rows dropped"
        columns.append({"column": name, "kind": kind, "training": stored, "these_rows": here,
                        "missing": missing, "handled": handled})
    exposure = getattr(model, "exposure_column_", None)
    outcome = {model.target_name_, exposure,
               getattr(model, "time_name_", None), getattr(model, "event_name_", None)}
    said = set(model.numeric_columns_) | set(model.categorical_columns_) | set(model.excluded_)
    unused = [c for c in X.columns if c not in said and c not in outcome]  # each column once
    if exposure in analysed.columns:  # the counts are rate x exposure (report_outcomes)
        exposure_values = pd.to_numeric(analysed[exposure], errors="coerce").to_numpy(np.float64)
    else:
        exposure_values = None
    return {"rows_read": len(X), "rows_dropped": len(dropped), "dropped": list(dropped[:20]),
            "exposure_values": exposure_values,
            "n": len(X) - len(dropped), "columns": columns, "unused": unused,
            "excluded": [c for c in model.excluded_ if c != exposure], "exposure": exposure,
            "impute": model.impute_,
            "id_column": getattr(model, "id_column_", None)}


def _day(origin):
    """A date origin as YYYY-MM-DD (with the time of day when it has one)."""
    stamp = pd.Timestamp(origin)
    return stamp.strftime("%Y-%m-%d" if stamp == stamp.normalize() else "%Y-%m-%d %H:%M:%S")


def single(model):
    """The model itself, or an ensemble's first member."""
    members = getattr(model, "estimators_", None)
    return model if members is None else members[0]


def _fit(estimator):
    """How one network's fit ran."""
    history = getattr(estimator, "history_", {}) or {}
    objective = history.get("train_objective") or [None]
    held_out = "val_loss" in history
    return {"epochs_run": int(estimator.n_iter_),
            "best_epoch": int(estimator.best_epoch_ or 0) if held_out else None,
            "held_out": held_out,
            "final_objective": None if objective[-1] is None else float(objective[-1]),
            "interrupted": bool(getattr(estimator, "interrupted_", False))}


def describe_ensemble(model, X, y, sample_weight=None):
    """None for one network; for an ensemble its members (count, bootstrap, each fit), each
    scored alone on the test rows (X, y) beside the average, and their spread there."""
    members = getattr(model, "estimators_", None)
    if members is None:
        return None
    return {"members": len(members), "bootstrap": bool(model.bootstrap),
            "fits": [_fit(member.estimator_) for member in members],
            "scores": score_members(model, X, y, sample_weight), "spread": spread(model, X)}


def describe_model(model):
    """What the model file records about the model: its kinds, layers and parameter count,
    its settings and how its fit ran (an ensemble's: its first member's)."""
    ensemble, model = model, single(model)
    estimator = model.estimator_
    params = estimator.get_params()
    network = estimator.network_
    layers, total = summary_table(network)
    widths = [network.dense[0].n_in] + [d.n_out for d in network.dense]
    encoded = len(model.get_feature_names_out())
    kind, settings = type(model).__name__, {k: _plain(params[k]) for k in SETTINGS if k in params}
    if ensemble is not model:
        kind = f"{type(ensemble).__name__} of {len(ensemble.estimators_)} {kind}s"
        settings["random_state"] = _plain(ensemble.random_state)  # the members' are drawn
    return {"kind": kind, "estimator": type(estimator).__name__,
            "target": model.target_name_, "classes": [str(c) for c in
                                                      getattr(model, "classes_", [])],
            "layers": [{"layer": name, "output": width, "parameters": n}
                       for name, width, n in layers],
            "widths": widths, "n_params": int(total), "n_inputs": encoded,
            "preprocessing": f"{len(model.numeric_columns_)} numeric column(s) standardized, "
                             f"{len(model.categorical_columns_)} categorical column(s) one-hot "
                             f"encoded: {encoded} network inputs; missing values "
                             + (f"imputed ({model.impute_})" if model.impute_ else
                                "not imputed (refused, or rows dropped)"),
            "settings": settings,
            "class_weight": _plain(params.get("class_weight")), "fit": _fit(estimator)}


def fit_reference(model, task, X, y, sample_weight=None):
    """(fitted reference in the model's preprocessing, its name, a description, notes)."""
    model = single(model)
    used = list(model.numeric_columns_) + list(model.categorical_columns_)
    check_columns(X, used, "the reference is fitted on the model's columns")
    fitted, how, why = fit_default_reference(
        lambda estimator: type(model)(estimator, impute=model.impute_), task, X[used], y,
        sample_weight)
    name = {"classification": "logistic", "counts": "Poisson"}.get(task, "linear")
    return (fitted, name, f"{how}, in the model's preprocessing, on {len(X)} training "
            "rows", [refit_note(task, why)] if why else [])


def _plain(value):
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _g(value):
    return f"{value:.4g}"


def _fill(value):
    return _g(value) if isinstance(value, float) else repr(value)
