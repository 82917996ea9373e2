"""``nnfit predict``: a saved tabular model's predictions for each row of a table, as CSV.

The columns: the identifier (or the row number), then the model's prediction.  A classifier
gives the predicted class (and with ``--proba`` each class's probability); a regression the
number; a Poisson model with an exposure column (``nnfit fit --exposure``) the predicted count
= rate x exposure where the data has that column, beside the rate per unit of exposure; a
survival model the risk score eta(x), the log relative hazard (higher = earlier event), and
with ``--at 12,24,60`` the survival probabilities S(t | x) at those times
(``survival_at_12``, ...; ``TabularSurvival.survival_at``).  A regression fitted with ``nnfit fit
--interval`` adds ``lower`` and ``upper``, its split-conformal prediction interval
(``table_interval``); an ensemble (``nnfit fit --ensemble``) writes its members' spread beside
each probability or value, ``<column>_lower`` and ``<column>_upper`` at ``--spread-level``
(``table_ensemble``); ``--threshold`` labels the rows of a model of two classes by a risk
threshold (``table_threshold``).  The output is written atomically; an existing ``--out`` is
refused unless ``--force``.
"""
import argparse
import sys

import pandas as pd

from .._files import atomic_write, check_output_path
from ..tabular.outcomes import check_exposure
from ..tabular.survival import TabularSurvival
from . import table_ensemble as ens
from .table_data import check_names, drop_missing, read_data
from .table_interval import bounds, percent
from .table_threshold import check_binary, help_text, labels, threshold


def times_list(text):
    """argparse type of --at: comma-separated times >= 0, e.g. 12,24,60."""
    values = []
    for part in text.split(","):
        try:
            value = float(part)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{part.strip()!r} is not a number: give times >= 0 separated by commas, in "
                "the units of the model's time column, e.g. --at 12,24,60") from None
        if not (value >= 0 and value != float("inf")):
            raise argparse.ArgumentTypeError(f"{part.strip()} is invalid: give finite times "
                                             ">= 0, e.g. --at 12,24,60")
        values.append(value)
    return sorted(set(values))


def add_predict_options(predict):
    predict.add_argument("--id", metavar="COLUMN", help="copy this column into the output "
                         "(default: the --id given to 'nnfit fit', else the row number)")
    predict.add_argument("--proba", action="store_true",
                         help="also write each class's probability (classification)")
    predict.add_argument("--threshold", type=threshold, metavar="P",
                         help=help_text("predict"))
    predict.add_argument("--at", type=times_list, metavar="TIMES",
                         help="survival models: also write S(t | x), the probability of no "
                              "event by time t, for each of these comma-separated times (in "
                              "the units of the time column), as columns survival_at_T")
    predict.add_argument("--spread-level", type=ens.spread_level, metavar="LEVEL",
                         help="ensembles (nnfit fit --ensemble): the share of the members' "
                              "spread between <column>_lower and <column>_upper, the "
                              "(1 - LEVEL)/2 and (1 + LEVEL)/2 quantiles of the members' "
                              "probabilities (with --proba) or values; not a prediction "
                              f"interval (default: {ens.LEVEL})%(default).0s")
    predict.add_argument("--out", metavar="FILE",
                         help="write the predictions to this CSV file (default: standard "
                              "output)")
    predict.add_argument("--force", action="store_true",
                         help="replace an existing --out (without it an existing file is "
                              "refused)")


def run_predict(args, load_tabular):
    out = None
    if args.out:
        out = check_output_path(args.out, [args.model, args.data], "CSV file", (".csv",),
                                args.force)
        if out.exists() and not args.force:
            raise ValueError(f"--out {out} exists; choose another name, or add --force to "
                             "replace it")
    model = load_tabular(args.model, "predict")
    survival = isinstance(model, TabularSurvival)
    ensemble = ens.is_ensemble(model)
    if args.spread_level is not None and not ensemble:
        raise ValueError("--spread-level sets the members' spread of an ensemble (nnfit fit "
                         "--ensemble); this model is one network")
    level = ens.LEVEL if args.spread_level is None else args.spread_level
    if args.at is not None and not survival:
        raise ValueError("--at gives survival probabilities, for a survival model (nnfit fit "
                         "--time --event); this model predicts "
                         + ("classes" if hasattr(model, "classes_") else "numbers"))
    if args.threshold is not None:
        check_binary(model, args.threshold, "predict")
    frame = read_data(args, model)
    used = model.numeric_columns_ + model.categorical_columns_
    if args.drop_missing:  # and a missing exposure, which leaves the count unknown
        check_names(frame, "the model uses column", used)
        exposure = getattr(model, "exposure_column_", None)
        frame = drop_missing(frame, used + ([exposure] if exposure in frame.columns else []))
    output = _first_column(args, model, frame)
    target = model.target_name_ or "target"
    if args.proba and not hasattr(model, "classes_"):
        raise ValueError("--proba needs a classification model; this model predicts "
                         + ("survival" if survival else f"the number {target!r}"))
    if ensemble:
        P = ens.interval_columns(model, frame, output, target, args.proba, level)
        if P is not None:
            output.insert(1, f"predicted_{target}", model.classes_[P.argmax(axis=1)]
                          if args.threshold is None else
                          labels(model.classes_, P[:, 1], args.threshold.value))
    elif args.proba or args.threshold is not None:
        P = model.predict_proba(frame)
        output[f"predicted_{target}"] = (model.classes_[P.argmax(axis=1)] if args.threshold is None
                                         else labels(model.classes_, P[:, 1],
                                                     args.threshold.value))
        for j, label in enumerate(model.classes_ if args.proba else ()):
            output[f"proba_{label}"] = P[:, j]
    elif survival:
        output["risk_score"] = model.predict(frame)
        if args.at:
            S = model.survival_at(frame, args.at)
            for j, t in enumerate(args.at):
                output[f"survival_at_{t:g}"] = S[:, j]
    else:
        _numbers(model, frame, output, target)
    if out is None:
        output.to_csv(sys.stdout, index=False)
        return
    with atomic_write(out, "w", encoding="utf-8", newline="") as file:
        output.to_csv(file, index=False)
    args.written.append(str(out))
    interval = getattr(model, "interval_", None)
    if ensemble:
        print(f"{len(output)} prediction(s) written to {out}: the means of "
              f"{len(model.estimators_)} networks, with the members' {percent(level)} spread "
              "(their quantiles; not a prediction interval) as _lower/_upper columns"
              + ("" if args.proba or not hasattr(model, "classes_") else
                 " (add --proba for the probabilities and their spread)"))
        return
    print(f"{len(output)} prediction(s) written to {out}" + (
        "" if interval is None else f", with their {percent(interval['level'])} prediction "
        f"intervals lower and upper (prediction -/+ {interval['half_width']:.6g}, split "
        "conformal)"))


def _first_column(args, model, frame):
    identifier = args.id or getattr(model, "id_column_", None)
    if identifier and not args.id and identifier not in frame.columns:
        print(f"note: the data has no column {identifier!r} (the model's --id); the output "
              "numbers the rows instead", file=sys.stderr)
        identifier = None
    if identifier:
        check_names(frame, "--id", [identifier])
        return pd.DataFrame({identifier: frame[identifier].to_numpy()})
    return pd.DataFrame({"row": frame.index.to_numpy()})


def _numbers(model, frame, output, target):
    """The predicted number, or for a model of rates per exposure the count where the data
    has the exposure column, and the rate."""
    predicted = model.predict(frame)
    exposure = getattr(model, "exposure_column_", None)
    if exposure is None:
        output[f"predicted_{target}"] = predicted
        interval = bounds(model, predicted)
        if interval is not None:
            output["lower"], output["upper"] = interval
        return
    if exposure in frame.columns:
        output[f"predicted_{target}"] = predicted * check_exposure(frame[exposure])
    else:
        print(f"note: the data has no column {exposure!r} (the model's --exposure); the output "
              f"gives the rate of {target!r} per unit of {exposure!r} only", file=sys.stderr)
    output[f"predicted_rate_per_{exposure}"] = predicted
