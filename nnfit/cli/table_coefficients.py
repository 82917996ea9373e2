"""The coefficient table ``nnfit fit --hidden none --ridge 0`` prints: the fitted network's
``coefficients()`` (``nnfit.estimators.coefficients``: statsmodels' columns coef, std err, z or
t, P>|z|, and the 95 % Wald interval, from the exact observed information) on the training rows.

The network of a tabular model takes the design matrix of the preprocessing: each numeric
column standardized by its training mean and sd, each category a 0/1 column.  The table is the
network's, on that matrix, so a numeric column's coefficient is per training sd of the column
(divide coef, std err and interval by the sd for its value per unit; z and P are the same), and
``const`` is the linear predictor at the numeric columns' means with every 0/1 column 0.  A
categorical column's 0/1 columns sum to 1, as the intercept's column does, so with one the
coefficients are not identified and the library names the collinear terms (Cox regression has
no intercept and takes one categorical column).

Only a maximum-likelihood fit has a table: with a penalty (the library's default ``--ridge``
is not 0), ``--class-weight``, a hidden layer or ``--interval`` (the network is fitted on part
of the rows) the reason is printed instead, and nothing else changes: the option defaults stay
the library's.
"""
import re
import warnings

import numpy as np

from ..tabular.preprocess import prepare, transform

KINDS = {"classification": "logistic regression", "survival": "linear Cox regression"}


def coefficient_report(model, X, y, sample_weight, conformal):
    """(table or None, the lines to print): the coefficient table of a tabular model with no
    hidden layer fitted on (X, y), or why there is none; (None, []) for a network."""
    network = model.estimator_
    params = network.get_params()
    if tuple(params["hidden_layer_sizes"]) != ():
        return None, []
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
    numeric, categorical = model.numeric_columns_, model.categorical_columns_
    Z = transform(model.preprocessor_, prepare(X, numeric, categorical, model.impute_,
                                               fitting=False), len(numeric))
    features = list(model.get_feature_names_out())
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            table = network.coefficients(Z, np.asarray(y), sample_weight)
    except ValueError as error:
        why = _terms(error, features)
        if categorical and "collinear" in why:
            why += (f" (the categorical column(s) {', '.join(map(repr, categorical))} enter as "
                    "one 0/1 column per category, which sum to the intercept's column: "
                    "--exclude them for a table)")
        return None, [f"no coefficient table: {why}"]
    for warning in caught:
        warnings.warn(_terms(warning.message, features), warning.category)
    table = _named(table, features)
    return table, [_heading(model, table, len(Z))] + _lines(table)


def _terms(text, features):
    """A library message with the terms it calls 'x0', 'x1', ... by their names."""
    return re.sub(r"'x(\d+)'", lambda match: repr(features[int(match[1])]), str(text))


def _named(table, features):
    """The table with the network's input names for x0, x1, ..."""
    names = {f"x{j}": name for j, name in enumerate(features)}
    if table.index.nlevels > 1:
        return table.rename(index=names, level="term")
    return table.rename(index=names)


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
    units = (" numeric columns standardized, so their coefficients are per training sd;"
             if model.numeric_columns_ else "")
    return (f"coefficients ({kind}) on the {n_rows} training rows:{units} "
            f"{float(level) - float(table.columns[-2].lstrip('[')):.0%} Wald intervals")


def _lines(table):
    shown = table.copy()
    for column in shown.columns:
        digits = "{:.3g}" if column.startswith("P>") else "{:.6g}"
        shown[column] = [digits.format(v) for v in shown[column]]
    return shown.to_string().splitlines()


def table_json(table):
    """The table as JSON: one record per term (and class) with statsmodels' column names."""
    records = []
    for key, row in table.iterrows():
        names = dict(zip(table.index.names, key)) if table.index.nlevels > 1 else {"term": key}
        records.append({**{k: str(v) for k, v in names.items()},
                        **{column: float(value) for column, value in row.items()}})
    return records
