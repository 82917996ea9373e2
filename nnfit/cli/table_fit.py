"""``nnfit fit``: a thin shell over ``TabularClassifier``, ``TabularRegressor`` and
``TabularSurvival``.

The command reads the table, decides the task (``--time``/``--event``: survival; ``--loss
poisson``: a regression of counts, with ``--exposure`` of rates count / exposure weighted by the
exposure), builds the tabular model from its options and calls its ``fit``: the hold-out, the
early stopping and the refit on all rows for the best epoch count are the library's
(``nnfit.tabular.workflow``), so ``nnfit fit`` and Python give the same model for the same seed.
Every option's default is the library's (``table_args``). The model is written before the report
on the held-out rows (of the early-stopped fit, which never trained on them).  ``--interval``
fits it inside ``nnfit.ConformalRegressor`` (``table_interval``), ``--ensemble K`` fits K of it
from different seeds inside ``nnfit.MLPEnsemble`` (``table_ensemble``); a model without a hidden layer
fitted without a penalty gets its coefficient table (``table_coefficients``); ``--json`` writes
what was printed.
"""
import argparse
import warnings

import numpy as np

from ..backends.threads import threads_for
from ..estimators.holdout import AUTO_EARLY_STOPPING
from ..tabular.preprocess import names
from .._files import check_output_path
from .table_args import (DEFAULTS, add_network_options, add_table_options,  # noqa: F401
                         option_names, read_task_table, tabular_model)
from .table_coefficients import coefficient_report, table_json
from .table_data import FORMATS, ROWS_NOTE
from . import table_ensemble as ens
from .table_interval import (add_interval_options, check_interval_options, check_interval_task,
                             conformal, fit_line, interval_state, option_words)
from .outcome_report import format_report
from .table_report import evaluate, loss_units, weigh_counts
from .table_scores import write_json


def register(subparsers):
    fit = subparsers.add_parser(
        "fit", formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        help="fit a network to a CSV/Parquet table and save it",
        description="Fit a network predicting one column of a table from the others: the "
                    "model of nnfit.TabularClassifier/TabularRegressor with the same settings, "
                    "the same model for the same --seed; with --time and --event a Cox network "
                    "for survival, nnfit.TabularSurvival; with --loss poisson a network for "
                    "counts (and --exposure: rates per unit of exposure, the exposure as the "
                    "row weight, as scikit-learn's PoissonRegressor; predictions of counts are "
                    "rate x exposure). Numeric columns are standardized, text "
                    "and true/false columns one-hot encoded. When early stopping holds rows out, "
                    "the fit stops on them (best epoch restored) and is then refit on all rows "
                    "for that many epochs. Every default is the library's unless its option "
                    "says why not. " + ROWS_NOTE)
    fit.add_argument("data", help=f"training data: {FORMATS}")
    add_table_options(fit)
    add_network_options(fit)
    add_interval_options(fit)
    ens.add_ensemble_options(fit)
    fit.add_argument("--quiet", action="store_true", help="no line per epoch")
    fit.add_argument("--out", metavar="MODEL", required=True, default=argparse.SUPPRESS,
                     help="model file to write (required)")
    fit.add_argument("--json", metavar="FILE",
                     help="also write what the fit reports as JSON to this file: the task, the "
                          "rows, the intervals, the coefficient table, the validation report")
    fit.add_argument("--force", action="store_true",
                     help="replace an existing --out or --json (without it an existing file "
                          "is refused)")
    fit.add_argument("--robust-se", action="store_true",
                     help="with --hidden none --ridge 0: the coefficient table's standard "
                          "errors by the sandwich (HC0, z statistics), for a --weight of survey "
                          "or inverse-probability weights, whose scale must not change them; "
                          "without it --weight counts as frequencies (whole numbers: 2 = the "
                          "row twice)")
    fit.set_defaults(func=run_fit, wording=lambda text: str(option_names(ValueError(text))))


def run_fit(args):
    out = check_output_path(args.out, [args.data], "nnfit model", (".nnfit",), args.force)
    if out.exists() and not args.force:
        raise ValueError(f"--out {out} exists; choose another name, or add --force to replace "
                         "it")
    json_out = None
    if args.json:
        json_out = check_output_path(args.json, [args.data, args.out], "JSON report", (".json",),
                                     args.force, option="--json")
    check_interval_options(args)
    ens.check_ensemble_options(args)
    table = read_task_table(args)
    task, X, y, weight = table.task, table.X, table.y, table.sample_weight
    check_interval_task(args, task)
    epochs = vars(args).get("epochs", DEFAULTS[task]["epochs"])
    poisson = vars(args).get("loss") == "poisson"
    quiet = args.quiet or args.ensemble  # the members' epochs would interleave
    model = tabular_model(args, task, table.exclude,
                          None if quiet else progress(epochs, task, poisson))
    fitted = (model if args.interval is None and args.ensemble is None else
              conformal(args, model) if args.ensemble is None else ens.ensemble(args, model))
    print(describe(args, task, y, len(X)))
    try:
        with threads_for(args.threads):  # --threads: add_network_options's
            if args.interval is None:
                fitted.fit(X, y, sample_weight=weight)
                model = fitted
            else:  # the network fitted on the rows that do not calibrate the intervals
                model = fitted.fit(X, y).estimator_
    except ValueError as error:
        raise option_names(option_words(error)) from None
    if args.ensemble:
        return _ensemble_fit(args, model, table, out, json_out)
    if model.estimator_.interrupted_ or model.early_stopped_estimator_.interrupted_:
        raise KeyboardInterrupt
    held_out = model.validation_index_
    n_fit = len(X) - (0 if args.interval is None else fitted.n_calibration_)
    print(outcome(model, n_fit))
    results = {"data": str(args.data), "model": str(out), "task": task, "rows": len(X)}
    if args.interval is not None:
        model.interval_ = results["interval"] = interval_state(fitted)
        print(fit_line(model.interval_, len(X)))
    if len(held_out):
        rows = X.index.get_indexer(held_out)
        truth = y[rows] if task == "survival" else y.iloc[rows]
        try:  # the report of the early-stopped fit, on rows it never saw
            report = scored(model.early_stopped_model(), X.iloc[rows], truth, 0, 0,
                            None if weight is None else weight[rows])
        except ValueError as error:
            report = error
    if args.id:
        model.id_column_ = args.id
    if args.exposure:
        model.exposure_column_ = args.exposure
    if getattr(args, "na_values", None):  # read so again by predict, evaluate and report
        model.na_values_ = list(args.na_values)
    model.save(out)
    args.written.append(str(out))
    print(f"model written to {out}")
    no_refit = model.estimator_ is model.early_stopped_estimator_  # fitted without held_out
    fit_rows = ~X.index.isin(held_out) if no_refit else np.ones(len(X), bool)
    X_fit = X[fit_rows]
    coefficients, lines = coefficient_report(
        model, X_fit, y[fit_rows], None if weight is None else weight[fit_rows],
        args.interval is not None, robust=args.robust_se,
        frequencies=X_fit[args.weight] if args.weight else None)
    if lines:
        print("\n".join(lines))
        results["coefficients"] = None if coefficients is None else table_json(coefficients)
        results["coefficients_note"] = lines[0]
    if len(held_out):
        refit = model.estimator_ is not model.early_stopped_estimator_
        first = model.early_stopped_estimator_
        kept = (f"the last epoch's weights, epoch {first.n_iter_}" if first.get_params()[
            "early_stopping"] is False else f"the fit stopped at epoch {first.best_epoch_}")
        print(f"validation report ({len(held_out)} held-out rows, {kept}"
              f"{', before the refit' * refit}):")
        if not isinstance(report, Exception):
            weigh_counts(report, args.weight, args.exposure)
            print("\n".join(format_report(report)))
            results["validation"] = report
    if json_out is not None:
        write_json(json_out, results)
        args.written.append(str(json_out))
        print(f"report written to {json_out}")
    if len(held_out) and isinstance(report, Exception):
        raise ValueError(f"the validation report failed (the model was written): {report}")


def _ensemble_fit(args, fitted, table, out, json_out):
    """The rest of ``run_fit`` for ``--ensemble``: each member's fit and held-out scores (each
    held out its own rows), the file, the members' spread on the training rows."""
    X, y, weight = table.X, table.y, table.sample_weight
    print(ens.describe(fitted, len(X)))
    results = {"data": str(args.data), "model": str(out), "task": table.task, "rows": len(X),
               "ensemble": {"members": [], "seeds": [int(s) for s in fitted.seeds_],
                            "bootstrap": bool(fitted.bootstrap)}}
    for k, (member, seed) in enumerate(zip(fitted.estimators_, fitted.seeds_)):
        if member.estimator_.interrupted_ or member.early_stopped_estimator_.interrupted_:
            raise KeyboardInterrupt
        entry = {"seed": int(seed), "epochs": int(member.estimator_.n_iter_)}
        line = f"member {k + 1} (seed {seed}): " + outcome(member, len(X)).replace("\n", "; ")
        held_out = member.validation_index_
        if len(held_out):
            rows = X.index.get_indexer(held_out)
            try:  # the early-stopped member on the rows it never saw
                report = scored(member.early_stopped_model(), X.iloc[rows], y.iloc[rows], 0, 0,
                                None if weight is None else weight[rows])
                line += f"; held out: {ens.member_scores(report)}"
                entry["validation"] = report
            except ValueError as error:
                line += f"; held-out scores failed: {error}"
        results["ensemble"]["members"].append(entry)
        print(line)
    if any(len(member.validation_index_) for member in fitted.estimators_):
        print("no validation report of the ensemble: each member held out rows of its own (its "
              "scores on them above); score the ensemble on a test table with nnfit evaluate")
    ens.mark(fitted, id_column_=args.id)
    fitted.save(out)
    args.written.append(str(out))
    print(f"model written to {out}")
    results["ensemble"]["spread"] = spread = ens.spread(fitted, X)
    print(ens.spread_line(spread, len(X)))
    if vars(args).get("hidden_layer_sizes") == () and vars(args).get("ridge") == 0:
        print("no coefficient table for an ensemble (its standard errors are one model's): "
              "fit without --ensemble for it")
    if json_out is not None:
        write_json(json_out, results)
        args.written.append(str(json_out))
        print(f"report written to {json_out}")


def describe(args, task, y, n_rows):
    """The first line of the fit: the task, its outcome and the rows."""
    if task == "survival":
        return (f"task: survival of time {args.time!r} and event {args.event!r} ({n_rows} rows, "
                f"{int(y[args.event].sum())} events)")
    loss = vars(args).get("loss")
    weight = getattr(args, "weight", None)
    kind = ("" if loss != "poisson" else f" per unit of {args.exposure!r} (Poisson rates, "
            "weighted by the exposure" + (f" times --weight {weight}" if weight else "") + ")"
            if args.exposure else " (Poisson counts)")
    override = "" if loss == "poisson" else "; set --task to override"  # poisson: regression
    return f"task: {task} of {args.target!r}{kind} ({n_rows} rows){override}"


def progress(epochs, task, poisson=False):
    """A callback of the fit that prints one line per epoch (a function, not an object:
    ``clone`` copies a function as itself, and the refit's copy prints too)."""
    score = {"classification": "accuracy", "survival": "C-index"}.get(
        task, "D^2" if poisson else "R^2")
    seen = {"validated": False}

    def show(record):
        line = f"{record['epoch']:>4}"
        if "val_loss" in record:
            seen["validated"] = True
            line = (f"epoch {line}/{epochs}  training objective {record['train_objective']:.4f}"
                    f"  validation loss {record['val_loss']:.4f}  {score} "
                    f"{record['val_score']:.4f}")
        else:  # the refit on all rows, or a fit without held-out rows
            line = (f"{'refit epoch' if seen['validated'] else 'epoch'} {line}  training "
                    f"objective {record['train_objective']:.4f}")
        print(line, flush=True)
        return False

    return show


def outcome(model, n_rows):
    """What the fit did with the epochs and the rows, in one or two lines."""
    first, held_out = model.early_stopped_estimator_, len(model.validation_index_)
    params = first.get_params()
    if params["early_stopping"] is False:  # the weights are the last epoch's (table_args)
        text = f"no early stopping: {first.n_iter_} epoch(s) on "
        if not held_out:
            return (text + f"all {n_rows} rows, the last epoch's weights kept (no validation "
                    "rows: --early-stopping false or --validation 0)")
        loss = first.history_["val_loss"]
        return (text + f"{n_rows - held_out} training rows, the last epoch's weights kept; the "
                f"{held_out} --validation rows only monitored the fit, not trained on (validation "
                f"loss {loss[-1]:.4f} at the last epoch, lowest {min(loss):.4f} at epoch "
                f"{loss.index(min(loss)) + 1})")
    if not held_out:
        why = ("--validation 0" if params["validation_fraction"] == 0 else
               f"--early-stopping auto holds rows out from {AUTO_EARLY_STOPPING:,} rows on; "
               "--early-stopping true to hold them out here")
        return f"no validation rows ({why}): {first.n_iter_} epoch(s) on all {n_rows} rows"
    best, last, epochs = first.best_epoch_, first.n_iter_, first.get_params()["epochs"]
    stopped = "stopped early" if last < epochs else f"used all {epochs} epochs"
    lowest = (f"best validation loss {first.history_['val_loss'][best - 1]:.4f}{loss_units(first)} "
              f"at epoch {best}" if best else
              "the validation loss was lowest at the start (epoch 0)")
    text = (f"{stopped}: {lowest}, whose weights were restored ({n_rows - held_out} training, "
            f"{held_out} validation rows)")
    if model.estimator_ is not first:
        text += f"\nrefit on all {n_rows} rows for {model.estimator_.n_iter_} epoch(s)"
    return text


def scored(model, frame, truth, *options):
    """``evaluate`` (``options``: resamples, seed, sample weights), with scikit-learn's
    warnings about classes absent from the rows scored
    (a few held-out rows may hold one class only) said once, in nnfit's words."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = evaluate(model, frame, truth, *options)
    ours = [w for w in caught if "sklearn" not in w.filename]
    for w in ours:
        warnings.warn(w.message, w.category)
    absent = [c for c in report.get("classes", []) if c not in {str(t) for t in truth}]
    if len(ours) < len(caught) and absent:
        warnings.warn(f"the {len(truth)} row(s) scored hold no row of class(es) {names(absent)}: "
                      "the balanced accuracy is the mean recall of the classes present, and "
                      f"the recall and F1 of {names(absent)} are given as 0", UserWarning)
    elif len(ours) < len(caught):
        for w in caught:
            if w not in ours:
                warnings.warn(w.message, w.category)
    return report
