"""The content of the ``nnfit report`` page as a list of blocks, rendered by ``report_page`` both
as HTML and as Markdown (so that the two say the same): ("heading", text), ("text", text),
("list", items), ("table", header, rows), ("figure", figure), ("warnings", items).

The order is that of a validation paper: warnings first, then a summary, the data (the flow of
rows, the outcome, each predictor and its missing values), the model, its performance with
intervals beside the baseline and the reference, the figures with their tables (calibration
groups, net benefit at a few thresholds), the methods, and the TRIPOD+AI items covered.
"""
from .report_methods import methods
from .report_outcomes import counts_outcome, rates_note
from .tripod import items

BASELINES = {"prevalence": "class shares", "mean": "mean",
             "Kaplan-Meier": "Kaplan-Meier curve (so C = AUC = 0.5)"}
LABELS = {"brier": "Brier score", "log_loss": "log-loss", "roc_auc": "ROC AUC",
          "accuracy": "accuracy (most probable class)",
          "calibration_intercept": "calibration intercept (0 is ideal)",
          "calibration_slope": "calibration slope (1 is ideal)", "mae": "MAE", "rmse": "RMSE",
          "r2": "R²", "poisson_deviance": "mean Poisson deviance", "d2": "D²",
          "harrell_c": "Harrell's C", "uno_c": "Uno's C", "mean_auc": "mean AUC",
          "ibs": "integrated Brier score"}


def sections(report):
    """The blocks of the page."""
    options, names = report["options"], report["names"]
    source = (f"model file {names['model'] or 'n/a'}, test table {names['data'] or 'n/a'}"
              if not report.get("cv") else
              f"table {names['data'] or 'n/a'}, {report['cv']['folds']}-fold cross-validation "
              "(every row predicted by the network fitted without its fold)")
    blocks = [("title", report["title"]),
              ("text", f"Written by nnfit {report['version']} on {report['created']}: {source}"
                       f"; {options['n_bootstrap']} bootstrap resamples of the rows (seed "
                       f"{options['random_state']}) for the {options['confidence']:.0%} "
                       "intervals.")]
    if report["warnings"]:
        blocks.append(("warnings", report["warnings"]))
    else:
        blocks.append(("text", "No warnings: the model beats the baseline, and (for a "
                               "classifier) its calibration and the number of events pass "
                               "the checks listed under Methods."))
    blocks += _data(report) + _model(report) + _performance(report) + _figures(report)
    blocks += [("heading", "Methods"), ("list", methods(report)),
               ("heading", "TRIPOD+AI items covered"), ("list", items(report))]
    return blocks


def _data(report):
    data, model = report["data"], report["model"]
    flow = (f"{data['rows_read']} rows read, {data['rows_dropped']} dropped for missing values"
            + (f" (rows {', '.join(map(str, data['dropped']))}"
               f"{', ...' if data['rows_dropped'] > len(data['dropped']) else ''})"
               if data["rows_dropped"] else "") + f", {data['n']} analysed.")
    target = model["target"] or "y"
    if report["task"] == "survival":
        outcome = (f"Outcome: time {data['time_name']!r}, event {data['event_name']!r}: "
                   f"{data['events']} events among {data['n_scored']} rows; observed times "
                   f"median {data['median_time']:.4g}, longest {data['max_time']:.4g}; "
                   f"horizons {', '.join(f'{h:g}' for h in data['horizons'])}.")
    elif report["task"] == "classification":
        outcome = (f"Outcome {target!r}: {data['events']} rows with {target} = "
                   f"{data['positive_class']!r} (prevalence {data['prevalence']:.4f}); the "
                   f"model's mean predicted risk {data['mean_risk']:.4f}.")
    elif data.get("counts"):
        outcome = counts_outcome(data, target)
    else:
        outcome = (f"Outcome {target!r}: mean {data['mean']:.4g}, sd {data['sd']:.4g}, range "
                   f"{data['min']:.4g} to {data['max']:.4g}.")
    rows = [[c["column"], c["kind"], c["training"], c["these_rows"], str(c["missing"]),
             c["handled"]] for c in data["columns"]]
    blocks = [("heading", "Data"), ("text", flow + " " + outcome),
              ("table", ["column", "kind", "training rows (" + (
                  "last fold's model" if report.get("cv") else "first member's file"
                  if report.get("ensemble") else "model file") + ")", "these rows",
                         "missing", "handled"], rows)]
    other = [f"the model's exposure (a log offset: the rate's denominator and the row's "
             f"weight, never a predictor): {data['exposure']}"] if data.get("exposure") else []
    if data["excluded"]:
        other.append(f"left out when fitting (exclude): {', '.join(data['excluded'])}")
    if data["unused"]:
        other.append(f"in the table but not used by the model: {', '.join(data['unused'])}")
    other += [f"while predicting: {note}" for note in data["notes"]]
    return blocks + ([("list", other)] if other else [])


def _model(report):
    model = report["model"]
    fit = model["fit"]
    widths = " → ".join(str(w) for w in model["widths"])
    how = (f"{fit['epochs_run']} epochs run"
           + (f", best epoch {fit['best_epoch']} on held-out rows" if fit["held_out"] else
              " on all its training rows (no rows held out in this final fit)")
           + (f"; final training objective {fit['final_objective']:.6g}"
              if fit["final_objective"] is not None else "")
           + ("; the fit was interrupted (Ctrl-C)" if fit["interrupted"] else "") + ".")
    pairs = [[key, _value(value)] for key, value in model["settings"].items()]
    pairs += [["", ""]] * (-len(pairs) % 3)
    settings = [sum(pairs[i:i + 3], []) for i in range(0, len(pairs), 3)]
    ensemble, cv = report.get("ensemble"), report.get("cv")
    members = model["kind"].startswith("MLPEnsemble")
    each = ("each member: " if ensemble else "each member of each fold's ensemble: "
            if cv and members else "each fold's network: " if cv else "")
    whose = ("The first member's fit: " if ensemble else "The last fold's first member's fit: "
             if cv and members else "The last fold's fit: " if cv else "")
    blocks = [("heading", "Model"),
              ("text", f"{model['kind']} around {model['estimator']}: {each}layer widths "
                       f"{widths}, {model['n_params']:,} parameters. {model['preprocessing']}. "
                       + whose + how),
              ("table", ["layer", "output width", "parameters"],
               [[row["layer"], str(row["output"]), f"{row['parameters']:,}"]
                for row in model["layers"]]),
              ("table", ["setting", "value"] * 3, settings)]
    if cv:
        rows = [[str(f["fold"]), str(f["n_train"]), str(f["n_test"]),
                 ", ".join(map(str, f["best_epochs"])) if f.get("best_epochs") else
                 "all" if f["best_epoch"] is None else str(f["best_epoch"]),
                 f"{f['seconds']:.1f}"] for f in cv["per_fold"]]
        weighted = "" if not cv["weights"] else (
            f" The fits and the scores weight each row by {cv['weights']}."
            if report["task"] == "counts" else
            f" The fits weighted the rows by {cv['weights']}; the scores count every row once.")
        blocks += [("text", f"{cv['folds']}-fold cross-validation: each fold's network was "
                            "fitted on the other folds' rows, with the settings above, and "
                            "predicted the rows of its fold; the scores below pool those "
                            "predictions." + weighted),
                   ("table", ["fold", "training rows", "held-out rows", "epoch kept",
                              "seconds"], rows)]
    return blocks + (_members(ensemble, report["data"]["n"]) if ensemble else [])


def _members(ensemble, n):
    """An ensemble's members: how they were fitted, each scored alone, their spread."""
    K, spread = ensemble["members"], ensemble["spread"]
    epochs = ", ".join(str(fit["epochs_run"]) for fit in ensemble["fits"])
    rows = [[LABELS[key], f"{row['ensemble']:.4f}", f"{row['members_mean']:.4f}",
             f"{row['best_member']:.4f}", f"{row['worst_member']:.4f}"]
            for key, row in ensemble["scores"].items()]
    return [("text", f"The {K} members are the same network fitted from {K} seeds"
                     + (" on bootstrap samples of the training rows" if ensemble["bootstrap"]
                        else "") + f" (epochs run: {epochs}); the predictions scored below "
                     f"are their average. Each member scored alone on the {n} test rows (best "
                     "and worst chosen on them, so the best is optimistic; the members' mean is "
                     "one network's expected score):"),
            ("table", ["score", "ensemble", "members' mean", "best member", "worst member"],
             rows),
            ("text", f"The members' spread on these rows: the {spread['level']:.0%} interval of "
                     f"the {spread['kind']} (quantiles of the members') has median width "
                     f"{spread['median_width']:.4g}, largest {spread['max_width']:.4g}. It "
                     "shows how much the fit depends on its seed, not where a new outcome "
                     "falls.")]


def _performance(report):
    evaluation, reference = report["evaluation"], report["reference"]
    scored = evaluation["scores"]
    names = list(scored["scores"])
    baseline = evaluation["baseline"]["kind"]
    columns = names + [f"model - {name}" for name in names[1:]]
    tables = {**scored["scores"], **scored["differences"]}
    first = scored["scores"]["model"]
    rows = [[_label(key, scored)] + [cell(tables[name].get(key)) for name in columns]
            for key in first if not isinstance(first[key], list)]
    blocks = [("heading", "Performance"),
              ("text", f"Scores on the {evaluation['n']} "
                       + ("rows, each predicted out of fold," if report.get("cv") else
                          "test rows") + f" with {scored['confidence']:.0%} bootstrap "
                       "intervals; the differences are paired (the same resamples). The "
                       + baseline + " baseline predicts "
                       + (f"each row the {BASELINES[baseline]} of its training folds."
                          if report.get("cv") else
                          f"every row the same: the {BASELINES[baseline]} of these rows.")
                       + rates_note(report)),
              ("table", ["score"] + columns, rows, "scores")]
    if reference is None:
        blocks.append(("text", "No reference model: a reference (logistic, linear, Poisson or "
                               "linear Cox regression) has to be fitted on training rows, and "
                               "only the test table was given; add --train TABLE (from Python:"
                               " train=(X_train, y_train)) to fit one in the model's "
                               "preprocessing and score it here."))
    else:
        source = report["names"]["train"]
        blocks.append(("text", f"Reference {reference['name']!r}: {reference['description']}"
                               + (f" ({source})." if source else ".")))
    if report["task"] == "classification":
        classes = evaluation["classes"]
        blocks += [("text", f"Labels by the most probable class (a threshold of 0.5): accuracy"
                            f" {evaluation['accuracy']:.4f}, balanced accuracy "
                            f"{evaluation['balanced_accuracy']:.4f}; confusion matrix (rows: "
                            "true class, columns: predicted):"),
                   ("table", ["true \\ predicted"] + classes,
                    [[c] + [str(n) for n in row]
                     for c, row in zip(classes, evaluation["confusion_matrix"])])]
    interval = report.get("interval")
    if interval:  # the model file's split-conformal intervals (nnfit fit --interval)
        blocks.append(("text", f"Prediction intervals: prediction -/+ "
                               f"{interval['half_width']:.6g} at level {interval['level']:.0%}"
                               f" (split conformal on {interval['n_calibration']} calibration "
                               f"rows of the fit); they cover {interval['covered']} of the "
                               f"{interval['n']} rows here ({interval['coverage']:.1%})."))
    blocks += [("text", f"note: {note}") for note in scored["notes"]]
    return blocks


def _figures(report):
    blocks = [("heading", "Figures")]
    for figure in report["figures"]:
        blocks.append(("figure", figure))
        if figure["name"] == "calibration" and report["task"] == "survival":
            h = report["evaluation"]["scores"]["calibration_horizon"]
            rows = [[str(r["group"]), str(r["n"]), str(r["events"]), f"{r['predicted']:.4f}",
                     "n/a (follow-up ends before it)" if r["observed"] is None else
                     f"{r['observed']:.4f} [{r['observed_low']:.4f}, {r['observed_high']:.4f}]"]
                    for r in report["calibration"]["model"]]
            blocks.append(("table", ["risk group", "rows", f"events by {h:g}",
                                     f"mean predicted S({h:g})",
                                     f"Kaplan-Meier S({h:g}) [95 %]"], rows))
        elif figure["name"] == "calibration":
            rows = [[str(r["group"]), str(r["n"]), f"{r['predicted']:.4f}", str(r["events"]),
                     f"{r['observed']:.4f} [{r['low']:.4f}, {r['high']:.4f}]"]
                    for r in report["calibration"]["model"]]
            blocks.append(("table", ["risk group", "rows", "mean predicted risk", "events",
                                     "observed share [Wilson 95 %]"], rows))
        if figure["name"] == "decision_curve":
            names = [key for key in report["decision"][0] if key != "threshold"]
            rows = [[f"{r['threshold']:.2f}"] + [f"{r[k]:.4f}" for k in names]
                    for r in report["decision"]]
            blocks.append(("table", ["threshold"] + [f"net benefit: {k}" for k in names],
                           rows))
    return blocks


def _label(key, scored):
    """The name of a score in the table (survival scores at a time say which)."""
    horizon = scored.get("calibration_horizon")
    if key.startswith(("auc@", "brier@")):  # the time as the command line prints it
        name, time = key.split("@")
        return f"{'AUC' if name == 'auc' else 'Brier score'} at {float(time):g}"
    if key in ("calibration_error", "calibration_in_the_large") and horizon is not None:
        return f"{key.replace('_', ' ')} at {horizon:g}"
    return LABELS.get(key, key)


def cell(score):
    """'0.0213 [0.0194, 0.0233]', without brackets when there is no interval, 'n/a'."""
    if score is None or score.get("estimate") is None:
        return "n/a"
    text = _number(score["estimate"])
    if score.get("low") is None:
        return text
    return f"{text} [{_number(score['low'])}, {_number(score['high'])}]"


def _number(value):
    text = f"{value:.4f}" if abs(value) < 1000 else f"{value:.5g}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _value(value):
    if isinstance(value, list):
        return "(" + ", ".join(str(v) for v in value) + ")"
    return "None" if value is None else str(value)
