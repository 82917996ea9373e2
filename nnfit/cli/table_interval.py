"""Prediction intervals on the command line: ``nnfit fit --interval 0.9`` fits the regression
inside ``nnfit.ConformalRegressor`` (split conformal, MAPIE), ``nnfit predict`` writes
``lower`` and ``upper`` beside each prediction and ``nnfit evaluate`` counts how many rows they
cover.

Split conformal sets ``--calibration`` of the rows aside (drawn with ``--seed``), fits the model
on the others and takes q, an order statistic of the calibration rows' absolute residuals; the
interval of a new row is prediction -/+ q (``nnfit.estimators.conformal`` states it).  The
model file keeps the model fitted on the other rows with q, the level and the number of
calibration rows (``interval_`` in the tabular state, ``nnfit.tabular.state``), which is all a
new row's interval needs, so the file's intervals are the library's to the bit.  CV+
(``method="cross"``) needs the K fold models and all n residuals for every new row, which a
model file does not hold: ``--interval-method cross`` is refused, with the Python call to use
instead.
"""
import argparse
import importlib.util

import numpy as np

from ..estimators.conformal import ConformalRegressor
from .table_options import finite

LIBRARY = ConformalRegressor().get_params()


def level(text):
    """argparse type of --interval: a coverage in (0, 1) (90 is taken for 0.9 with a hint)."""
    value = finite(text)
    if not 0 < value < 1:
        example = (f"{value / 100:g} for {value:g} % intervals" if 50 <= value < 100 else "0.9")
        raise argparse.ArgumentTypeError(f"{value:g} is invalid: give the coverage as a number "
                                         f"in (0, 1), e.g. {example}")
    return value


def calibration(text):
    """argparse type of --calibration: a share in (0, 1) or a whole number of rows >= 1."""
    value = finite(text)
    if 0 < value < 1:
        return value
    if value >= 1 and value == int(value) and "." not in text:
        return int(value)
    raise argparse.ArgumentTypeError(f"{text} is invalid: give a share of the rows in (0, 1), "
                                     "e.g. 0.25, or a whole number of rows, e.g. 50")


def add_interval_options(fit):
    fit.add_argument("--interval", type=level, metavar="LEVEL",
                     help="regression: also calibrate prediction intervals of this coverage "
                          "(e.g. 0.9) by split conformal prediction (nnfit.ConformalRegressor): "
                          "--calibration of the rows, drawn with --seed, are kept out of the "
                          "fit and their absolute residuals give the half-width q; 'nnfit "
                          "predict' then writes lower and upper = prediction -/+ q (the model "
                          "is fitted on the other rows); default: no intervals%(default).0s")
    fit.add_argument("--interval-method", choices=["split", "cross"], default=LIBRARY["method"],
                     help="split conformal; cross (CV+) needs the K fold models for each new "
                          "row, which a model file does not hold, and is refused here (use "
                          "nnfit.ConformalRegressor(method='cross') in Python)")
    fit.add_argument("--calibration", type=calibration, metavar="SHARE_OR_ROWS",
                     default=LIBRARY["calibration_size"],
                     help="with --interval: the share of the rows (or their number) set aside "
                          "to calibrate the intervals, at least 1/(1 - LEVEL) - 1 rows")


def check_interval_options(args):
    """Refuse options that cannot give a file's intervals, before the table is read."""
    if args.interval is None:
        given = [option for option, value, default in (
            ("--interval-method", args.interval_method, LIBRARY["method"]),
            ("--calibration", args.calibration, LIBRARY["calibration_size"])) if value != default]
        if given:
            raise ValueError(f"{given[0]} sets up prediction intervals: add --interval LEVEL, "
                             "e.g. --interval 0.9")
        return
    if importlib.util.find_spec("mapie") is None:
        raise ValueError("--interval computes the intervals with MAPIE, which is not installed: "
                         "pip install 'nnfit[conformal]'")
    if args.interval_method == "cross":
        raise ValueError("--interval-method cross (CV+) needs the K fold models and every "
                         "row's residual to make a new row's interval, which a model file does "
                         "not hold; use --interval-method split (the default), or "
                         "nnfit.ConformalRegressor(method='cross') in Python")
    if args.exposure:
        raise ValueError("--interval with --exposure: the conformal residuals would ignore the "
                         "exposures that weight the rates; leave one of them out")
    if getattr(args, "weight", None):
        raise ValueError(f"--interval with --weight {args.weight}: the conformal fit and its "
                         "calibration rows would not be weighted (split conformal intervals "
                         "count every row once), so the network would not be the weighted fit "
                         "you asked for; leave out --weight or --interval")


def check_interval_task(args, task):
    """Refuse --interval for anything but a regression, once the table says the task."""
    if args.interval is not None and task != "regression":
        raise ValueError(f"--interval gives prediction intervals of a number; this is "
                         f"{'a ' * (task != 'survival')}{task}: leave --interval out (for a "
                         "classification, --proba gives each class's probability)")


def conformal(args, model):
    """The ConformalRegressor around the unfitted tabular ``model`` that the options ask for."""
    return ConformalRegressor(model, level=args.interval, method=args.interval_method,
                              calibration_size=args.calibration, random_state=args.seed)


def option_words(error):
    """A ConformalRegressor ValueError in the command line's words."""
    text = str(error).replace("calibration_size=", "--calibration ").replace(
        "a larger calibration_size", "a larger --calibration").replace(
        "a lower level", "a lower --interval").replace("level=", "--interval ")
    return ValueError(text)


def interval_state(fitted):
    """``interval_`` of the fitted split-conformal model: its level, method, half-width q
    (``ConformalRegressor.half_width_``) and number of calibration rows."""
    return {"level": float(fitted.level), "method": "split", "half_width": fitted.half_width_,
            "n_calibration": int(fitted.n_calibration_)}


def fit_line(interval, n_rows):
    """What ``nnfit fit`` says of the intervals it calibrated."""
    m = interval["n_calibration"]
    return (f"prediction intervals: {percent(interval['level'])} split conformal, prediction -/+ "
            f"{interval['half_width']:.6g}, from the absolute residuals of {m} calibration rows "
            f"kept out of the fit (the network is fitted on the other {n_rows - m} rows)")


def percent(level):
    """0.9 as '90%'."""
    return f"{100 * level:.4g}%"


def bounds(model, predicted):
    """(lower, upper) of a model file's interval around its predictions, or None."""
    interval = getattr(model, "interval_", None)
    if interval is None:
        return None
    predicted = np.asarray(predicted, dtype=np.float64)
    return predicted - interval["half_width"], predicted + interval["half_width"]


def coverage(model, frame, truth):
    """The share of rows whose true number lies in their interval (``nnfit evaluate``), or
    None for a model without intervals."""
    interval = getattr(model, "interval_", None)
    if interval is None:
        return None
    lower, upper = bounds(model, model.predict(frame))
    y = np.asarray(truth, dtype=np.float64)
    covered = int(np.sum((lower <= y) & (y <= upper)))
    return {**interval, "n": len(y), "covered": covered, "coverage": covered / len(y)}


def coverage_line(report):
    return (f"{percent(report['level'])} prediction intervals (prediction -/+ "
            f"{report['half_width']:.6g}, split conformal on {report['n_calibration']} "
            f"calibration rows): they cover {report['covered']} of {report['n']} rows "
            f"({report['coverage']:.1%})")
