"""``nnfit report`` and ``nnfit.course.report.model_report``: the page holds the data, the model,
the scores of ``evaluate_table`` with intervals beside the baseline (and the reference fitted on
``--train``), every figure, and the warnings of a bad model; it is self-contained (no remote
resource), its Markdown twin and figures are written beside it, and no file is replaced without
``--force``.  The last test opens the page in headless Chromium (skipped without it): every
image loads, nothing is requested from the network, and the screenshot is drawn."""
import base64
import re
import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss

from nnfit import MLPClassifier, MLPRegressor, TabularClassifier, TabularRegressor, load
from nnfit.cli import main
from nnfit.course.report import model_report, report_paths, write_report
from nnfit.datasets import load_default, load_hitters
from nnfit.tabular.evaluation import evaluate_table

FIGURES = ["calibration", "roc", "decision_curve", "risk_distribution"]
PNG = b"\x89PNG\r\n\x1a\n"


def network(**params):
    return MLPClassifier(**{**dict(hidden_layer_sizes=(4,), epochs=100, learning_rate=0.01,
                                   early_stopping=False, random_state=0), **params})


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    """400 training and 300 test rows of Default, 120 and 100 of them defaults (test: more than
    100 events and non-events, so that the few-events warning stays quiet); a model file of a
    small network, one fitted on shuffled labels, one with balanced class weights."""
    folder = tmp_path_factory.mktemp("report")
    frame = load_default().frame
    rows = pd.concat([frame[frame.default == "Yes"].iloc[:220],
                      frame[frame.default == "No"].iloc[:480]])
    rows = rows.sample(frac=1, random_state=0).reset_index(drop=True)
    train, test = rows.iloc[:400].reset_index(drop=True), rows.iloc[400:].reset_index(drop=True)
    paths = {"folder": folder, "train": folder / "train.csv", "test": folder / "test.csv"}
    train.to_csv(paths["train"], index=False)
    test.to_csv(paths["test"], index=False)
    X, y = train.drop(columns="default"), train["default"]
    shuffled = pd.Series(np.random.default_rng(1).permutation(y.to_numpy()), name="default")
    for name, model, target in [("good", TabularClassifier(network()), y),
                                ("shuffled", TabularClassifier(network()), shuffled),
                                ("weighted", TabularClassifier(network(
                                    class_weight="balanced")), y)]:
        paths[name] = folder / f"{name}.nnfit"
        model.fit(X, target).save(paths[name])
    paths.update(train_frame=train, test_frame=test)
    return paths


def _run(argv, capsys):
    code = main(["report", *map(str, argv)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


class _Page(HTMLParser):
    """The page's images, everything it would load (src, href of <link>, url() in styles)."""

    def __init__(self):
        super().__init__()
        self.images, self.loads, self.styles, self._style = [], [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        for name in ("src", "srcset", "data", "poster", "action"):
            if attrs.get(name):
                self.loads.append(attrs[name])
        if tag == "link" or (tag == "a" and attrs.get("href")):
            self.loads.append(attrs.get("href", ""))
        self._style = tag == "style"

    def handle_data(self, data):
        if self._style:
            self.styles.append(data)

    def handle_endtag(self, tag):
        self._style = False


def _parse(text):
    page = _Page()
    page.feed(text)
    return page


def test_the_page_holds_the_data_model_scores_and_every_figure(tables, tmp_path, capsys):
    out = tmp_path / "report.html"
    code, stdout, err = _run([tables["good"], tables["test"], "--out", out, "--bootstrap", 50],
                             capsys)
    assert code == 0, err
    assert f"report written to {out} and {out.with_suffix('.md')} (with 4 figures" in stdout
    text = out.read_text(encoding="utf-8")
    page = _parse(text)
    assert len(page.images) == 4 and text.count("<figure") == 4
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == PNG
    assert not [url for url in page.loads if not url.startswith(("data:", "#"))]
    assert "url(" not in "".join(page.styles) and "<script" not in text
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", text)
    # the scores are evaluate_table's, the same seed giving the same intervals
    fitted = load(tables["good"])
    test = tables["test_frame"]
    scores = evaluate_table(fitted, test, test["default"], n_bootstrap=50)["scores"]
    brier = scores["scores"]["model"]["brier"]
    assert (f"{brier['estimate']:.4f}<br><span class=\"ci\">[{brier['low']:.4f}, "
            f"{brier['high']:.4f}]</span>") in text
    for words in ["300 rows read, 0 dropped for missing values, 300 analysed",
                  "100 rows with default = &#x27;Yes&#x27; (prevalence 0.3333)",
                  "layer widths 4 → 4 → 1, 25 parameters", "Dense(4, 4)",
                  "calibration slope (1 is ideal)",
                  "No reference model", "add --train TABLE", "Net benefit",
                  "TRIPOD+AI items covered", "Content-Security-Policy"]:
        assert words in text, words
    twin = out.with_suffix(".md").read_text(encoding="utf-8")
    linked = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", twin)
    assert linked == [f"report-{name}.png" for name in FIGURES]
    for name in linked:
        assert (tmp_path / name).read_bytes()[:8] == PNG
    assert f"| Brier score | {brier['estimate']:.4f} [{brier['low']:.4f}, " in twin
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["report.html", "report.md"] + linked)


def test_a_model_fitted_on_shuffled_labels_is_warned_about(tables, tmp_path, capsys):
    out = tmp_path / "bad.html"
    code, _, err = _run([tables["shuffled"], tables["test"], "--out", out, "--bootstrap", 50],
                        capsys)
    assert code == 0
    assert "nnfit report: warning: the model is no better than the prevalence baseline" in err
    text = out.read_text(encoding="utf-8")
    box = text[text.index('<div class="warnings"'):text.index("</div>")]
    assert "no better than the prevalence baseline" in box and "Brier score" in box
    assert text.index('<div class="warnings"') < text.index("<h2>Data</h2>")  # at the top


def test_class_weights_and_miscalibration_are_warned_about(tables):
    test = tables["test_frame"]
    report = model_report(load(tables["weighted"]), test, test["default"], n_bootstrap=50)
    warnings = "\n".join(report["warnings"])
    assert "class_weight='balanced'" in warnings and "net benefit" in warnings
    assert report["model"]["class_weight"] == "balanced"
    good = model_report(load(tables["good"]), test, test["default"], n_bootstrap=50)
    # balanced weights (120 of 400 training rows are defaults) move the risks towards 1/2
    assert report["data"]["mean_risk"] > good["data"]["mean_risk"] + 0.02
    assert not any("class_weight" in w for w in good["warnings"])
    assert not any("no better than" in w for w in good["warnings"])


def test_train_fits_the_logistic_reference_beside_the_model(tables, tmp_path, capsys):
    out = tmp_path / "ref.html"
    code, _, err = _run([tables["good"], tables["test"], "--out", out, "--train",
                         tables["train"], "--bootstrap", 30], capsys)
    assert code == 0, err
    text = out.read_text(encoding="utf-8")
    assert "<th>logistic</th>" in text and "<th>model - logistic</th>" in text
    assert "unpenalized logistic regression" in text and "No reference model" not in text
    train, test = tables["train_frame"], tables["test_frame"]
    by_hand = TabularClassifier(LogisticRegression(C=np.inf, max_iter=1000)).fit(
        train[["student", "balance", "income"]], train["default"])
    risk = by_hand.predict_proba(test)[:, 1]
    expected = brier_score_loss(test["default"] == "Yes", risk)
    assert f"<td>{expected:.4f}<br>" in text  # the logistic column's Brier score


def test_a_separated_reference_is_refitted_with_a_penalty_and_said(tables):
    train, test = tables["train_frame"].copy(), tables["test_frame"].copy()
    for frame in (train, test):
        frame["leak"] = (frame["default"] == "Yes").astype(float)
    model = TabularClassifier(network()).fit(train.drop(columns="default"), train["default"])
    report = model_report(model, test, test["default"], train=(train, train["default"]),
                          n_bootstrap=0)
    assert "LogisticRegression(C=1)" in report["reference"]["description"]
    assert any(w.startswith("reference: the unpenalized logistic regression separates")
               for w in report["warnings"])


def test_a_regression_report_shows_observed_against_predicted(tmp_path, capsys):
    frame = load_hitters().frame.dropna().reset_index(drop=True)
    train, test = frame.iloc[:180], frame.iloc[180:]
    train.to_csv(tmp_path / "train.csv", index=False)
    test.to_csv(tmp_path / "test.csv", index=False)
    model = TabularRegressor(MLPRegressor(hidden_layer_sizes=(4,), epochs=30, random_state=0))
    model.fit(train.drop(columns="Salary"), train["Salary"]).save(tmp_path / "h.nnfit")
    out = tmp_path / "h.html"
    code, _, err = _run([tmp_path / "h.nnfit", tmp_path / "test.csv", "--out", out, "--train",
                         tmp_path / "train.csv", "--bootstrap", 30], capsys)
    assert code == 0, err
    text = out.read_text(encoding="utf-8")
    assert text.count("<img ") == 2 and "Observed against predicted" in text
    assert "<th>linear</th>" in text and "<th>model - mean</th>" in text and "RMSE" in text
    assert [p.name for p in report_paths(out, "regression")[2:]] == ["h-observed.png",
                                                                      "h-residuals.png"]
    assert all(p.exists() for p in report_paths(out, "regression"))
    holes = test.copy()
    holes.loc[holes.index[[2, 5]], "Salary"] = np.nan
    holes.to_csv(tmp_path / "holes.csv", index=False)
    code, _, err = _run([tmp_path / "h.nnfit", tmp_path / "holes.csv", "--out",
                         tmp_path / "holes.html"], capsys)
    assert code == 2 and "the target column 'Salary' has missing values in rows 3, 6" in err
    assert "--drop-missing" in err and not (tmp_path / "holes.html").exists()


def test_no_file_is_replaced_without_force(tables, tmp_path, capsys):
    out = tmp_path / "page.html"
    argv = [tables["good"], tables["test"], "--out", out, "--bootstrap", 0]
    for existing in [out, out.with_suffix(".md"), tmp_path / "page-roc.png"]:
        existing.write_text("mine")
        code, _, err = _run(argv, capsys)
        assert code == 2 and f"{existing} exists" in err and "--force" in err
        assert err.count("\n") == 1 and existing.read_text() == "mine"
        existing.unlink()
    assert not list(tmp_path.iterdir())  # refused before anything was written
    out.write_text("old")
    assert _run(argv + ["--force"], capsys)[0] == 0 and out.read_text().startswith("<!DOCTYPE")
    for bad, message in [(tables["test"], "give an HTML file name"),
                         (tmp_path / "page.md", "give an HTML file name")]:
        code, _, err = _run([tables["good"], tables["test"], "--out", bad], capsys)
        assert code == 2 and message in err
    code, _, err = _run([tables["good"], tables["test"], "--out", out, "--train", out,
                         "--force"], capsys)
    assert code == 2 and "is also an input of this command" in err


def test_missing_values_are_refused_or_dropped_and_counted(tables, tmp_path, capsys):
    test = tables["test_frame"].copy()
    test.loc[[3, 7], "income"] = np.nan
    path = tmp_path / "holes.csv"
    test.to_csv(path, index=False)
    code, _, err = _run([tables["good"], path, "--out", tmp_path / "a.html"], capsys)
    assert code == 2 and "--drop-missing" in err
    code, _, err = _run([tables["good"], path, "--out", tmp_path / "b.html", "--drop-missing",
                         "--bootstrap", 0], capsys)
    assert code == 0, err
    text = (tmp_path / "b.html").read_text(encoding="utf-8")
    assert "300 rows read, 2 dropped for missing values (rows 4, 8), 298 analysed" in text
    assert "<td>income</td><td>numeric</td>" in text and "<td>2</td><td>rows dropped</td>" in text
    kept = test.drop(index=[3, 7])  # "these rows": the 298 analysed, sd as the training's (ddof 0)
    assert (f"mean {kept.balance.mean():.4g}, sd {kept.balance.std(ddof=0):.4g}</td>" in text)
    train = tables["train_frame"]
    imputing = TabularClassifier(network(), impute="median").fit(train.drop(columns="default"),
                                                                 train["default"])
    report = model_report(imputing, test, test["default"], n_bootstrap=0)
    income = next(c for c in report["data"]["columns"] if c["column"] == "income")
    fill = float(np.median(train["income"]))
    assert income["missing"] == 2 and income["handled"] == \
        f"imputed with the training median value {fill:.4g}"
    assert report["data"]["n"] == 300


def test_text_from_the_data_is_escaped_and_a_multiclass_model_refused(tables, tmp_path):
    train, test = tables["train_frame"], tables["test_frame"]
    odd = "<img src=x onerror=alert(1)>"
    model = TabularClassifier(network()).fit(train.drop(columns="default").rename(
        columns={"income": odd}), train["default"])
    report = model_report(model, test.rename(columns={"income": odd}), test["default"],
                          n_bootstrap=0, data_name="<b>t</b>.csv")
    written = write_report(report, tmp_path / "odd.html")
    text = (tmp_path / "odd.html").read_text(encoding="utf-8")
    assert odd not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "<b>t</b>" not in text and len(written) == 6
    three = train.assign(default=np.where(train["balance"] > 1500, "high", train["default"]))
    model = TabularClassifier(network()).fit(three.drop(columns="default"), three["default"])
    with pytest.raises(ValueError, match="binary classifier; this model has 3 classes"):
        model_report(model, three, three["default"])


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PROBE = """<script>
window.__violations = [];
document.addEventListener("securitypolicyviolation",
                          e => window.__violations.push(e.blockedURI || e.violatedDirective));
window.addEventListener("load", () => {
  const images = Array.from(document.images).map(i => i.complete && i.naturalWidth > 0);
  document.body.setAttribute("data-images", JSON.stringify(images));
  document.body.setAttribute("data-violations", JSON.stringify(window.__violations));
});
</script>"""


def _chromium(*argv, tmp):
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", "--disable-extensions",
               f"--user-data-dir={tmp / 'profile'}", "--host-resolver-rules=MAP * ~NOTFOUND",
               "--virtual-time-budget=5000", *argv]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (Debian: apt-get install chromium)")
def test_the_page_opens_offline_in_headless_chromium(tables, tmp_path, capsys):
    out = tmp_path / "report.html"
    assert _run([tables["good"], tables["test"], "--out", out, "--train", tables["train"],
                 "--bootstrap", 30], capsys)[0] == 0
    # a copy with the probe: the page's own policy, plus its inline script allowed to run
    text = out.read_text(encoding="utf-8")
    probed = text.replace("style-src 'unsafe-inline'",
                          "style-src 'unsafe-inline'; script-src 'unsafe-inline'", 1)
    probed = probed.replace("</head>", PROBE + "\n</head>", 1)
    probe = tmp_path / "probe.html"
    probe.write_text(probed, encoding="utf-8")
    result = _chromium("--dump-dom", probe.as_uri(), tmp=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    images = re.search(r'data-images="([^"]*)"', result.stdout)
    assert images, result.stdout[:500]
    assert images.group(1).replace("&quot;", '"') == "[" + ",".join(["true"] * 4) + "]"
    violations = re.search(r'data-violations="([^"]*)"', result.stdout).group(1)
    assert violations.replace("&quot;", '"') == "[]"  # nothing was requested from anywhere
    shot = tmp_path / "page.png"
    result = _chromium(f"--screenshot={shot}", "--window-size=1200,3000", out.as_uri(),
                       tmp=tmp_path)
    assert result.returncode == 0 and shot.read_bytes()[:8] == PNG
    assert shot.stat().st_size > 50_000  # a drawn page, not a blank one


def test_a_survival_report_scores_beside_kaplan_meier_and_linear_cox(tmp_path, capsys):
    pytest.importorskip("sksurv")
    from nnfit import MLPSurvival, TabularSurvival
    from nnfit.datasets import load_brain_cancer
    from nnfit.tabular.outcomes import survival_target
    from nnfit.tabular.survival_scores import evaluate_survival
    brain = load_brain_cancer()
    frame = pd.concat([brain.data, brain.target], axis=1).dropna().reset_index(drop=True)
    frame.to_csv(tmp_path / "brain.csv", index=False)
    y = survival_target(frame, "time", "status")
    model = TabularSurvival(MLPSurvival(hidden_layer_sizes=(4,), epochs=30, random_state=0))
    model.fit(frame.drop(columns=["time", "status"]), y).save(tmp_path / "cox.nnfit")
    report = model_report(load(tmp_path / "cox.nnfit"), frame, y, n_bootstrap=20)
    same = evaluate_survival(load(tmp_path / "cox.nnfit"), frame, y, n_bootstrap=20)
    assert report["evaluation"]["scores"]["scores"] == same["scores"]["scores"]
    assert any("events among" in w for w in report["warnings"])  # 35 events: fewer than 100
    out = tmp_path / "cox.html"
    code, _, err = _run([tmp_path / "cox.nnfit", tmp_path / "brain.csv", "--out", out,
                         "--train", tmp_path / "brain.csv", "--bootstrap", 20], capsys)
    assert code == 0, err
    text = out.read_text(encoding="utf-8")
    assert text.count("<img ") == 2 and "Kaplan-Meier curves by risk group" in text
    assert "<th>linear Cox</th>" in text and "<th>model - Kaplan-Meier</th>" in text
    assert "Harrell&#x27;s C" in text and "integrated Brier score" in text
    assert (tmp_path / "cox-risk_groups.png").read_bytes()[:8] == PNG


def test_a_date_column_is_described_in_days_since_the_training_origin(tmp_path, capsys):
    """A date column (text at fit and in the report's table, as the model reads it) is
    described by its days since the training rows' earliest date; nnfit cv --report too."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=200),
                          "seen": pd.date_range("2015-01-01", periods=200).strftime("%Y-%m-%d"),
                          "y": rng.integers(0, 2, 200)})
    data, model = tmp_path / "dates.csv", tmp_path / "dates.nnfit"
    frame.to_csv(data, index=False)
    assert main(["fit", str(data), "--target", "y", "--hidden", "2", "--epochs", "3",
                 "--out", str(model), "--quiet"]) == 0
    code, _, err = _run([model, data, "--out", tmp_path / "r.html", "--bootstrap", 0], capsys)
    assert code == 0, err
    text = (tmp_path / "r.html").read_text(encoding="utf-8")
    days = np.arange(200.0)
    assert (f"<td>seen</td><td>numeric</td><td>mean {days.mean():.4g}, sd {days.std():.4g}; "
            f"standardized (days since 2015-01-01)</td><td>mean {days.mean():.4g}, sd "
            f"{days.std():.4g} (days since 2015-01-01)</td>") in text
    code = main(["cv", str(data), "--target", "y", "--hidden", "2", "--epochs", "3", "--folds",
                 "2", "--bootstrap", "0", "--report", str(tmp_path / "cv.html")])
    assert code == 0, capsys.readouterr().err
    assert "(days since 2015-01-01)" in (tmp_path / "cv.html").read_text(encoding="utf-8")


def test_a_model_with_prediction_intervals_reports_their_coverage_as_evaluate(tmp_path, capsys):
    frame = load_hitters().frame.dropna()
    data = tmp_path / "hitters.csv"
    frame.to_csv(data, index=False)
    model, scores = tmp_path / "m.nnfit", tmp_path / "e.json"
    assert main(["fit", str(data), "--target", "Salary", "--hidden", "4", "--epochs", "20",
                 "--interval", "0.8", "--out", str(model), "--quiet"]) == 0
    assert main(["evaluate", str(model), str(data), "--bootstrap", "0", "--json",
                 str(scores)]) == 0
    import json
    covered = json.loads(scores.read_text())["interval"]
    code, _, err = _run([model, data, "--out", tmp_path / "r.html", "--bootstrap", 0], capsys)
    assert code == 0, err
    text = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert (f"they cover {covered['covered']} of the {covered['n']} rows here "
            f"({covered['coverage']:.1%})") in text and "at level 80%" in text
