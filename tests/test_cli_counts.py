"""Counts over an exposure on the command line (``--loss poisson --exposure``): what is refused
(``--weight`` naming the exposure, counts that are not whole), what ``--drop-missing`` drops in
``predict`` and ``report``, what the messages and the report page say about the weights and the
outcome; ``--interval`` with ``--weight``."""
import numpy as np
import pandas as pd
import pytest

import nnfit
from nnfit import MLPRegressor, TabularRegressor
from nnfit.cli import main
from nnfit.tabular.outcomes import check_counts, per_exposure

FAST = ["--epochs", "10", "--hidden", "4", "--quiet"]
GLM = ["--hidden", "none", "--ridge", "0", "--optimizer", "lbfgs", "--dtype", "float64",
       "--validation", "0", "--quiet"]


@pytest.fixture(scope="module")
def counts(tmp_path_factory):
    """Deaths over person-years, a numeric and a categorical predictor and a weight column."""
    rng = np.random.default_rng(3)
    n = 160
    frame = pd.DataFrame({"x": rng.normal(size=n).round(3), "g": rng.choice(["a", "b"], n),
                          "years": rng.uniform(0.5, 3, n).round(2),
                          "w": np.where(np.arange(n) % 2, 1.0, 3.0)})
    frame["deaths"] = rng.poisson(frame.years * np.exp(0.3 + 0.5 * frame.x + (frame.g == "a")))
    path = tmp_path_factory.mktemp("counts") / "counts.csv"
    frame.to_csv(path, index=False)
    return str(path), frame


@pytest.fixture(scope="module")
def model(counts, tmp_path_factory):
    path, _ = counts
    out = tmp_path_factory.mktemp("model") / "m.nnfit"
    assert main(["fit", path, "--target", "deaths", "--loss", "poisson", "--exposure", "years",
                 "--exclude", "w", "--out", str(out), *GLM]) == 0
    return str(out)


def write(tmp_path, frame, name="new.csv"):
    frame.to_csv(tmp_path / name, index=False)
    return str(tmp_path / name)


def one_error(capsys, command):
    err = capsys.readouterr().err
    assert err.startswith(f"nnfit {command}: error: ") and err.count("\n") == 1, err
    return err


def test_weight_naming_the_exposure_is_refused(tmp_path, counts, model, capsys):
    path, _ = counts
    said = ("--weight years names the --exposure column: the exposure already weights each "
            "row's rate")
    for command, extra in (("fit", ["--out", str(tmp_path / "m.nnfit")]),
                           ("cv", ["--folds", "2", "--bootstrap", "0"])):
        assert main([command, path, "--target", "deaths", "--loss", "poisson", "--exposure",
                     "years", "--weight", "years", *extra, *FAST]) == 2
        assert said in one_error(capsys, command)
    assert not (tmp_path / "m.nnfit").exists()
    assert main(["evaluate", model, path, "--weight", "years"]) == 2
    assert said in one_error(capsys, "evaluate")


def test_counts_that_are_not_whole(tmp_path, counts, model, capsys):
    path, frame = counts
    rates = write(tmp_path, frame.assign(deaths=frame.deaths / frame.years), "rates.csv")
    one = write(tmp_path, frame.assign(deaths=frame.deaths.where(frame.index != 6, 2.5)))
    rate_said = ("column 'deaths' (the count over the exposure 'years') must hold whole "
                 "numbers: row 1 holds")
    for data, said in ((rates, rate_said), (one, "must hold whole numbers: row 7 holds 2.5.")):
        for command, extra in (("fit", ["--out", str(tmp_path / "m.nnfit")]),
                               ("cv", ["--folds", "2", "--bootstrap", "0"])):
            assert main([command, data, "--target", "deaths", "--loss", "poisson",
                         "--exposure", "years", *extra, *FAST]) == 2
            err = one_error(capsys, command)
            assert said in err and "already a rate" in err and "give the counts as" in err
        assert main(["evaluate", model, data]) == 2
        assert said in one_error(capsys, "evaluate")
        assert main(["report", model, data, "--out", str(tmp_path / "r.html")]) == 2
        assert said in one_error(capsys, "report")
    # without an exposure a real outcome >= 0 is a quasi-likelihood: a warning names a row
    assert main(["fit", one, "--target", "deaths", "--loss", "poisson", "--exclude", "years",
                 "--out", str(tmp_path / "q.nnfit"), *FAST]) == 0
    err = capsys.readouterr().err
    assert "column 'deaths' (the count of a Poisson loss) is not a whole number: row 7 holds " \
           "2.5" in err
    with pytest.warns(UserWarning, match="row 7 holds 2.5"):
        check_counts(frame.deaths.where(frame.index != 6, 2.5).set_axis(frame.index + 1))
    # a whole count written by a computation is whole, and the exposure's rates pass
    y, _ = per_exposure(frame.deaths * (1 + 1e-15), frame.years)
    assert np.allclose(y, frame.deaths / frame.years)


def test_predict_drop_missing_drops_a_missing_exposure(tmp_path, counts, model, capsys):
    path, frame = counts
    data = write(tmp_path, frame.assign(years=frame.years.where(frame.index != 3)))
    assert main(["predict", model, data, "--out", str(tmp_path / "p.csv")]) == 2
    assert "column 'years' (the exposure) is missing in row 4" in one_error(capsys, "predict")
    assert main(["predict", model, data, "--out", str(tmp_path / "p.csv"),
                 "--drop-missing"]) == 0
    assert "dropped 1 row(s) with missing values (row 4), 159 left" in capsys.readouterr().err
    written = pd.read_csv(tmp_path / "p.csv")
    assert 4 not in written["row"].tolist() and len(written) == len(frame) - 1
    fitted = nnfit.load(model)
    kept = frame.drop(index=3)
    assert np.allclose(written["predicted_deaths"], fitted.predict(kept) * kept.years)


@pytest.mark.parametrize("column", ["deaths", "years"])
def test_report_drop_missing_drops_a_missing_count_or_exposure(tmp_path, counts, model, capsys,
                                                                column):
    path, frame = counts
    data = write(tmp_path, frame.assign(**{column: frame[column].where(frame.index != 3)}))
    page = tmp_path / "r.html"
    assert main(["report", model, data, "--bootstrap", "0", "--out", str(page)]) == 2
    assert "is missing in row 4" in one_error(capsys, "report")
    assert main(["report", model, data, "--bootstrap", "0", "--out", str(page), "--train", data,
                 "--drop-missing"]) == 0
    text = (tmp_path / "r.md").read_text()
    assert f"{len(frame)} rows read, 1 dropped for missing values (rows 4), " \
           f"{len(frame) - 1} analysed." in text
    assert f"on {len(frame) - 1} training rows" in text
    kept = frame.drop(index=3)  # the page scores the other rows as evaluate does
    assert main(["evaluate", model, write(tmp_path, kept, "kept.csv"), "--bootstrap", "0"]) == 0
    deviance = capsys.readouterr().out.split("mean Poisson deviance ")[1].split()[0]
    assert f"| mean Poisson deviance | {float(deviance):.4f}" in text


def test_messages_about_the_task_and_the_weights(tmp_path, counts, model, capsys):
    path, frame = counts
    assert main(["fit", path, "--target", "deaths", "--loss", "poisson", "--exposure", "years",
                 "--weight", "w", "--out", str(tmp_path / "m.nnfit"), *FAST]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == ("task: regression of 'deaths' per unit of 'years' (Poisson rates, weighted "
                     f"by the exposure times --weight w) ({len(frame)} rows)")
    assert main(["fit", path, "--target", "deaths", "--out", str(tmp_path / "s.nnfit"),
                 *FAST]) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith("; set --task to override")
    assert main(["evaluate", model, path, "--weight", "w", "--bootstrap", "0"]) == 0
    printed = capsys.readouterr().out
    assert ("(of the rates per unit of exposure, weighted by the exposure times --weight w)"
            in printed.splitlines()[0])
    rates = frame.deaths / frame.years
    mean = np.average(rates, weights=frame.years * frame.w)
    assert (f"every row gets the mean rate (weighted by the exposure times --weight w) of these "
            f"rows, {mean:.6g}") in printed
    assert main(["evaluate", model, path, "--bootstrap", "0"]) == 0
    printed = capsys.readouterr().out
    assert "(of the rates per unit of exposure, weighted by the exposure)" in printed
    assert f"{np.average(rates, weights=frame.years):.6g}" in printed


def test_interval_with_weight_is_refused(tmp_path, counts, capsys):
    """The conformal fit took no weights: a weighted fit with --interval was silently not
    weighted, its network nor its calibration."""
    pytest.importorskip("mapie")
    path, _ = counts
    out = tmp_path / "m.nnfit"
    assert main(["fit", path, "--target", "x", "--exclude", "deaths", "--weight", "w",
                 "--interval", "0.9", "--out", str(out), *FAST]) == 2
    assert "--interval with --weight w: the conformal fit and its calibration rows would not " \
           "be weighted" in one_error(capsys, "fit")
    assert not out.exists()
    assert main(["fit", path, "--target", "x", "--exclude", "deaths", "w", "--interval", "0.9",
                 "--out", str(out), *FAST]) == 0


def test_the_report_page_describes_counts_over_an_exposure(tmp_path, counts, model, capsys):
    """The outcome as counts per unit of the exposure (the counts' summary, the rate of all
    rows = the exposure-weighted mean rate the baseline predicts), the exposure listed as the
    model's, not as a column left out; the same on nnfit cv's page."""
    path, frame = counts
    c, e = frame.deaths, frame.years
    said = (f"Outcome 'deaths': counts per unit of 'years' (the model's exposure): the counts' "
            f"mean {c.mean():.4g}, sd {c.std():.4g}, range {c.min():.4g} to {c.max():.4g} over "
            f"a total exposure of {e.sum():.6g}, a rate of {c.sum() / e.sum():.6g} per unit of "
            "'years' (all counts / all exposure: the exposure-weighted mean rate)")
    exposure = "- the model's exposure (a log offset: the rate's denominator and the row's " \
               "weight, never a predictor): years"
    assert main(["report", model, path, "--bootstrap", "0", "--out",
                 str(tmp_path / "r.html")]) == 0
    page = (tmp_path / "r.md").read_text()
    assert said in page and exposure in page
    assert "left out when fitting (exclude): w\n" in page
    rate = np.average(c / e, weights=e)  # the baseline of evaluate, the same number
    assert np.isclose(rate, c.sum() / e.sum())
    assert (f"each row weighted by its exposure (the deviance of the counts), so the mean is "
            f"the exposure-weighted mean rate, {rate:.6g}.") in page
    assert "observed rate of deaths per years" in page
    assert main(["cv", path, "--target", "deaths", "--loss", "poisson", "--exposure", "years",
                 "--exclude", "w", "--folds", "2", "--bootstrap", "0", "--report",
                 str(tmp_path / "cv.html"), *FAST]) == 0
    page = (tmp_path / "cv.md").read_text()
    assert said in page and exposure in page
    assert "in the table but not used by the model: years" not in page
    assert "(exclude): w\n" in page
    assert "in the table but not used by the model" not in page  # w is said once, excluded


def test_overdispersed_counts_are_warned_about_with_statsmodels_pearson_ratio(counts, tmp_path,
                                                                              capsys):
    """The coefficient table of Poisson counts that vary far more than Poisson allows warns
    with Pearson's chi^2 / df (statsmodels' GLM with the exposure); Poisson counts do not;
    with --robust-se no warning (the sandwich holds)."""
    sm = pytest.importorskip("statsmodels.api")
    path, frame = counts
    rng = np.random.default_rng(4)
    spread = frame.assign(deaths=rng.negative_binomial(2, 2 / (2 + frame.deaths + 1)))
    wide = tmp_path / "wide.csv"
    spread.to_csv(wide, index=False)
    argv = ["fit", str(wide), "--target", "deaths", "--loss", "poisson", "--exposure", "years",
            "--exclude", "w", *GLM]
    assert main([*argv, "--out", str(tmp_path / "a.nnfit")]) == 0
    said = capsys.readouterr().err
    design = sm.add_constant(pd.get_dummies(spread[["g", "x"]], drop_first=True, dtype=float))
    glm = sm.GLM(spread.deaths, design, family=sm.families.Poisson(),
                 exposure=spread.years).fit()
    ratio = glm.pearson_chi2 / glm.df_resid
    assert ratio > 1.5
    assert f"vary {ratio:.3g} times as much as a Poisson model allows" in said
    assert "add --robust-se" in said
    assert main([*argv, "--robust-se", "--out", str(tmp_path / "b.nnfit")]) == 0
    assert "Pearson" not in capsys.readouterr().err
    weighted = [a for a in argv if a not in ("--exclude", "w")] + ["--weight", "w"]
    assert main([*weighted, "--out", str(tmp_path / "d.nnfit")]) == 0  # frequencies 1 and 3
    said = capsys.readouterr().err
    assert "Pearson" in said and "--robust-se would take --weight as survey weights" in said
    assert main([*argv, "--hidden", "4", "--robust-se", "--out", str(tmp_path / "e.nnfit")]) == 0
    assert "--robust-se is for the coefficient table of a model without a hidden layer" in \
        capsys.readouterr().out
    assert main(["fit", path, "--target", "deaths", "--loss", "poisson", "--exposure", "years",
                 "--exclude", "w", *GLM, "--out", str(tmp_path / "c.nnfit")]) == 0
    assert "Pearson" not in capsys.readouterr().err
