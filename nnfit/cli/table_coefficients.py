"""The coefficient table ``nnfit fit --hidden none --ridge 0`` prints: the tabular model's
``coefficients()`` (``nnfit.tabular.coefficients``: statsmodels' columns coef, std err, z or t,
P>|z|, and the 95 % Wald interval, from the exact observed information) on the training rows.

It is the table statsmodels' formula interface prints for the same model (``smf.logit``,
``smf.ols``, ``smf.glm`` with a Poisson family; lifelines' for Cox): a numeric column's
coefficient per unit of the column, each category but the first of a categorical column
(``column[T.category]``) against that first one, the reference, and ``Intercept`` the linear
predictor with every numeric column 0 and every category at its reference.

Only a maximum-likelihood fit has a table: with a penalty (the library's default ``--ridge``
is not 0), ``--class-weight``, a hidden layer or ``--interval`` (the network is fitted on part
of the rows) the reason is printed instead, and nothing else changes: the option defaults stay
the library's.
"""
import re
import warnings

import numpy as np

from ..estimators.coefficients import CURE
from ..tabular.outcomes import not_whole, not_whole_said

KINDS = {"classification": "logistic regression", "survival": "linear Cox regression"}
CLI_CURE = ("fit to convergence: --optimizer lbfgs --dtype float64 --validation 0, without "
            "--early-stopping true")
OVERDISPERSED = 1.5  # Pearson's chi^2 / df of a Poisson fit above which a warning says so


def coefficient_report(model, X, y, sample_weight, conformal, robust=False, frequencies=None):
    """(table or None, the lines to print): the coefficient table of a tabular model with no
    hidden layer fitted on (X, y), or why there is none; (None, []) for a network.  ``robust``:
    the sandwich standard errors (``--robust-se``); ``frequencies``: the ``--weight`` column,
    which without ``robust`` must be whole numbers (frequency weights)."""
    network = model.estimator_
    params = network.get_params()
    if tuple(params["hidden_layer_sizes"]) != ():
        return None, ["--robust-se is for the coefficient table of a model without a hidden "
                      "layer (--hidden none --ridge 0); a network has none"] if robust else []
    if conformal:
        return None, ["no coefficient table: with --interval the network is fitted on part of "
                      "the rows only (the others calibrate the intervals); fit without "
                      "--interval for the table"]
    penalties = [f"--{name} {np.max(params[name]):g}" for name in ("ridge", "lasso")
                 if np.any(np.asarray(params[name]) != 0)]
    if penalties:
        return None, [f"no coefficient table: the fit is penalized ({', '.join(penalties)}, "
                      "the library's default unless given), so its estimates are shrunk and "
                      "Wald intervals would not have their coverage; add --ridge 0 (and "
                      "--optimizer lbfgs --dtype float64 --validation 0 for the exact "
                      "maximum-likelihood estimate on all rows) for coefficients with standard "
                      "errors"]
    if frequencies is not None and not robust:
        values = np.asarray(frequencies, np.float64)
        bad = not_whole(values)
        if bad.any():
            return None, [f"no coefficient table: --weight {frequencies.name} holds numbers "
                          f"that are not whole ({not_whole_said(frequencies, values, bad)}), "
                          "so they are not frequencies (counts of identical rows), which the "
                          "model-based standard errors assume; for survey or inverse-"
                          "probability weights add --robust-se (sandwich standard errors)"]
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            table = model.coefficients(X, y, sample_weight, robust=robust)
    except ValueError as error:
        return None, [f"no coefficient table: {_said(error)}"]
    for warning in caught:
        warnings.warn(_said(warning.message), warning.category)
    if not robust and params.get("loss") == "poisson":
        _check_dispersion(model, X, y, sample_weight, frequencies, len(table))
    how = ("; sandwich (robust, HC0) standard errors" if robust else
           f"; --weight {frequencies.name} as frequencies" if frequencies is not None else "")
    return table, [_heading(model, table, len(X)) + how] + _lines(table) + _ratios(model, table)


def _said(message):
    """The library's message for the command line: its advice in options, and without "X, y
    are not the rows it was fitted on" (here they are)."""
    text = str(message).replace(CURE, CLI_CURE).replace("on the X, y given", "on the rows")
    return re.sub(r",? or X, y are not the rows and weights it was fitted on", "", text)


def _check_dispersion(model, X, y, sample_weight, frequencies, terms):
    """Warn when the counts vary more than a Poisson model allows: Pearson's chi^2 / df =
    sum_i w_i (y_i - mu_i)^2 / mu_i / (n - q) on the training rates y (w: the exposures times
    the frequencies; n: the rows, counted by their frequencies) above ``OVERDISPERSED``; the
    model-based standard errors assume 1 and are sqrt(that) times too small."""
    n = len(X) if frequencies is None else float(np.sum(frequencies))
    if n - terms < 10:
        return
    mu = np.asarray(model.predict(X), np.float64)
    w = np.ones(len(mu)) if sample_weight is None else np.asarray(sample_weight, np.float64)
    dispersion = float(np.sum(w * (np.asarray(y, np.float64) - mu) ** 2 / mu)) / (n - terms)
    if dispersion > OVERDISPERSED:
        cure = ("add --robust-se for sandwich standard errors, which hold for overdispersed "
                "counts" if frequencies is None else "--robust-se would take --weight as "
                "survey weights, not frequencies: for its sandwich standard errors give one "
                "row per count of the weight instead")
        warnings.warn(f"the counts vary {dispersion:.3g} times as much as a Poisson model "
                      f"allows (Pearson's chi^2 / df on the training rows; 1 for Poisson "
                      f"counts): the coefficient table's standard errors are about "
                      f"{dispersion ** 0.5:.3g} times too small, and its p-values too small; "
                      f"{cure}", UserWarning)


def _heading(model, table, n_rows):
    task = "classification" if hasattr(model, "classes_") else (
        "survival" if hasattr(model, "event_name_") else "regression")
    if task == "classification" and len(model.classes_) > 2:
        kind = f"multinomial logistic regression, log-odds against {model.classes_[0]!r}"
    elif task == "classification":
        kind = f"logistic regression of P({model.target_name_ or 'y'} = {model.classes_[1]!r})"
    elif task == "regression":
        poisson = model.estimator_.get_params().get("loss") == "poisson"
        kind = "Poisson regression, log link" if poisson else "least squares"
    else:
        kind = KINDS[task]
    level = table.columns[-1].rstrip("]")
    units = (" numeric columns per unit;" if model.numeric_columns_ else "") + (
        " categories against the first of their column;" if model.categorical_columns_ else "")
    return (f"coefficients ({kind}) on the {n_rows} training rows:{units} "
            f"{float(level) - float(table.columns[-2].lstrip('[')):.0%} Wald intervals")


def _lines(table):
    shown = table.copy()
    for column in shown.columns:
        digits = "{:.3g}" if column.startswith("P>") else "{:.6g}"
        shown[column] = [digits.format(v) for v in shown[column]]
    return shown.to_string().splitlines()


def _ratios(model, table):
    """exp(coef) with exp of the interval's ends, for the models whose coefficients are log
    ratios: odds (logistic, multinomial: against the first class), rates (Poisson), hazards
    (Cox); nothing for least squares."""
    if hasattr(model, "classes_"):
        what = "odds ratios" + (f" against {model.classes_[0]!r}" if len(model.classes_) > 2
                                else "")
    elif hasattr(model, "event_name_"):
        what = "hazard ratios"
    elif model.estimator_.get_params().get("loss") == "poisson":
        what = "rate ratios"
    else:
        return []
    low, high = table.columns[-2:]
    shown = np.exp(table[["coef", low, high]]).rename(columns={"coef": "exp(coef)"})
    for column in shown.columns:
        shown[column] = [f"{v:.6g}" for v in shown[column]]
    base = "rate" if what == "rate ratios" else "odds"
    intercept = (f" (the intercept's: the {base} with every numeric column 0 and every category "
                 "at its reference)") if "Intercept" in table.index.get_level_values(-1) else ""
    return [f"{what} per unit and against each reference category: exp(coef) and its "
            f"interval{intercept}"] + shown.to_string().splitlines()


def table_json(table):
    """The table as JSON: one record per term (and class) with statsmodels' column names."""
    records = []
    for key, row in table.iterrows():
        names = dict(zip(table.index.names, key)) if table.index.nlevels > 1 else {"term": key}
        records.append({**{k: str(v) for k, v in names.items()},
                        **{column: float(value) for column, value in row.items()}})
    return records
