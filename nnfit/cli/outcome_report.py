"""The reports of ``nnfit evaluate``, ``nnfit cv`` and ``nnfit fit``'s validation rows for
every kind of model, as text (``format_report``): a classification's or regression's by
``table_report``, a survival model's and a Poisson model's here; the library computes them
(``nnfit.tabular.evaluation``, ``survival_scores``, ``survival_cv``).

Survival: one row per score (Harrell's C, Uno's C up to the last horizon, the time-dependent
AUC at each horizon and their mean, the Brier score at each horizon, the integrated Brier
score, the calibration error and calibration-in-the-large at the calibration horizon), one
column per model and one for their paired difference, each estimate with its bootstrap
interval in brackets; then the calibration table of the first model by risk group (its mean
predicted S(h | x) against the group's Kaplan-Meier S(h)).  Every time (the horizons, the IBS
range) is written one way, ``when`` (6 significant digits, as the horizons line).
"""
from . import table_report
from .table_report import _cell, _heading, score_lines

NOTES = ["Harrell's and Uno's C, AUC: 0.5 = no better than chance, 1 = every pair of rows "
         "ordered right; Brier score and IBS: lower is better",
         "calibration error: mean |Kaplan-Meier S(h) - mean predicted S(h)| over the risk "
         "groups; calibration in the large: Kaplan-Meier S(h) of all rows - mean predicted "
         "S(h) (> 0: fewer events by h than predicted)"]


def format_report(report):
    """The report as lines of text, whatever its task."""
    if report["task"] == "survival":
        return survival_lines(report)
    if report["task"] == "counts":
        return [counts_head(report)] + score_lines(report)
    return table_report.format_report(report)


def when(time):
    """A time as every line of the report writes it."""
    return f"{float(time):g}"


def _label(key, scored):
    horizon = when(scored["calibration_horizon"])
    if key.startswith("auc@"):
        return f"AUC at {when(key[4:])}"
    if key.startswith("brier@"):
        return f"Brier score at {when(key[6:])}"
    ibs = scored.get("ibs_range") or [None, None]
    return {"harrell_c": "Harrell's C", "uno_c": f"Uno's C (to {when(max(scored['horizons']))})",
            "mean_auc": "mean AUC", "ibs": f"IBS ({when(ibs[0])} to {when(ibs[1])})"
            if ibs[0] is not None else "IBS",
            "calibration_error": f"calibration error at {horizon}",
            "calibration_in_the_large": f"calibration in the large at {horizon}"}.get(key, key)


def survival_lines(report, columns=None):
    """The survival report as lines: a heading, the table of scores with the ``columns``
    ((title, name) pairs, a name of ``scores`` or of ``differences``; default: every model,
    then every difference), the first model's calibration table, the notes."""
    scored = report["scores"]
    models = list(scored["scores"])
    columns = columns or ([(name, name) for name in models]
                          + [(name, name) for name in scored["differences"]])
    tables = {**scored["scores"], **scored["differences"]}
    first = tables[columns[0][1]]
    lines = [f"{report['n']} rows, {report['events']} events (time {report['time']!r}, event "
             f"{report['event']!r}); horizons "
             f"{', '.join(when(h) for h in scored['horizons'])}",
             _heading(report, scored)]
    labels = {key: _label(key, scored) for key in first}
    label_width = 2 + max(len(text) for text in labels.values())
    cells = {key: [_cell(tables[name].get(key), key) for _, name in columns] for key in first}
    width = 2 + max([len(title) for title, _ in columns]
                    + [len(c) for row in cells.values() for c in row])
    lines.append(" " * label_width + "".join(f"{title:<{width}}" for title, _ in columns))
    for key, row in cells.items():
        lines.append(f"{labels[key]:<{label_width}}" + "".join(f"{c:<{width}}" for c in row))
    name = columns[0][1]
    table = scored.get("calibration", {}).get(name)
    if table:
        lines.append(f"calibration of {name} at {when(scored['calibration_horizon'])}, by risk "
                     "group (1 = lowest risk): mean predicted S against the group's "
                     "Kaplan-Meier S [95% interval]")
        lines.append(f"{'group':>6}{'rows':>7}{'events':>8}{'predicted':>11}  observed")
        for row in table:
            observed = "n/a (follow-up ends before the horizon)" if row["observed"] is None \
                else (f"{row['observed']:.4f} [{row['observed_low']:.4f}, "
                      f"{row['observed_high']:.4f}]")
            lines.append(f"{row['group']:>6}{row['n']:>7}{row['events']:>8}"
                         f"{row['predicted']:>11.4f}  {observed}")
    lines.extend(NOTES)
    lines.extend(f"note: {note}" for note in scored["notes"] + report.get("notes", []))
    return [line.rstrip() for line in lines]


def counts_head(report):
    """The first line of a Poisson model's report, saying what weighted its scores
    (``table_report.weigh_counts``: the exposure, a --weight column, or their product)."""
    weights = report.get("weights") or ("the exposure" if report.get("exposure") else None)
    what = ("of the rates per unit of exposure" if report.get("exposure") else "of the counts") \
        + (f", weighted by {weights}" if weights else "")
    return (f"mean Poisson deviance {report['poisson_deviance']:.4g}  D^2 "
            f"{_number(report['d2'])}  MAE {report['mae']:.4g} on {report['n']} rows ({what})")


def _number(value):
    return "n/a" if value is None else f"{value:.4f}"
