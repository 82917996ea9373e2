"""Checks before fitting (issue 26, ``nnfit.tabular.prefit``, ``dates``, ``imputed``): identifier
columns left out, dates as days since the earliest, target labels that are typos, a summary of
what was imputed (with missingness indicators), numbers written with codes for missing.  Each
message names the column, the rows and what to do, in Python and on the command line."""
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

import nnfit
from nnfit import MLPClassifier, MLPRegressor, TabularClassifier, TabularRegressor
from nnfit.cli.app import main

SMALL = dict(hidden_layer_sizes=(4,), epochs=5, random_state=0, validation_fraction=0.0,
             early_stopping=False)
N = 200


@pytest.fixture(scope="module")
def clinic():
    rng = np.random.default_rng(26)
    frame = pd.DataFrame({
        "age": rng.normal(60, 10, N).round(1),
        "bmi": rng.normal(27, 4, N),  # distinct floats: a measurement, never an identifier
        "platelets": rng.choice(np.arange(150_000, 450_000), N, replace=False),  # distinct ints
        "sex": rng.choice(["f", "m"], N),
        "record": rng.choice(np.arange(1_000_000, 9_999_999), N, replace=False),  # 7 digits
        "seq": rng.permutation(N) + 1,  # 1..n in any order
        "patient": [f"P{k:05d}" for k in rng.permutation(N)],
    })
    y = pd.Series(0.05 * frame["age"] + rng.normal(0, 1, N), name="sbp")
    return frame, y


def _fit(model, X, y, **fit):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y, **fit)
    return model, [str(w.message) for w in caught]


def test_identifiers_are_left_out_by_name_and_kept_on_request(clinic):
    frame, y = clinic
    model, said = _fit(TabularRegressor(MLPRegressor(**SMALL)), frame, y)
    assert model.identifiers_ == ["patient", "record", "seq"]
    assert model.numeric_columns_ == ["age", "bmi", "platelets"]  # measurements stay
    assert list(model.get_feature_names_out()) == ["age", "bmi", "platelets", "sex_f", "sex_m"]
    assert ("column 'patient' has a different value in each of its 200 rows, as an identifier "
            "does, so it is left out of the predictors (each value would be a feature that no "
            "new row shares); to use it, keep=['patient'] (on the command line --keep patient)"
            in said[0])
    assert said[1].startswith("column(s) 'record', 'seq' hold a different whole number in each "
                              "of the 200 rows, as a row identifier does")
    # the same model, bit for bit, as leaving them out by hand
    by_hand, _ = _fit(TabularRegressor(MLPRegressor(**SMALL),
                                       exclude=["patient", "record", "seq"]), frame, y)
    assert np.array_equal(model.predict(frame), by_hand.predict(frame))
    kept, said = _fit(TabularRegressor(MLPRegressor(**SMALL), keep=["seq"],
                                       exclude=["patient"]), frame, y)
    assert kept.identifiers_ == ["record"] and "seq" in kept.numeric_columns_
    assert not any("'seq'" in text for text in said)
    nearly = frame.assign(seq=frame["seq"].where(frame["seq"] != 7, 8))  # 199 distinct of 200
    assert _fit(TabularRegressor(MLPRegressor(**SMALL)), nearly, y)[0].identifiers_ == [
        "patient", "record", "seq"]
    gaps = frame.assign(record=frame["record"].where(frame.index % 50 != 3))  # 4 cells missing
    model, said = _fit(TabularRegressor(MLPRegressor(**SMALL)), gaps, y)
    assert model.identifiers_ == ["patient", "record", "seq"]
    assert said[1].startswith("column(s) 'record', 'seq' hold a different whole number in each "
                              "row that has one, as a row identifier does"), said


def test_counts_named_with_number_words_are_measurements():
    """'num_reads' and 'Number of steps' are counts, nearly unique whole numbers, not ids; a
    name made of identifier words alone ('record no') is one."""
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"num_reads": rng.choice(np.arange(100_000, 10_000_000), 60, False),
                          "Number of steps": rng.choice(np.arange(2_000, 15_000), 60, False),
                          "record no": rng.choice(np.arange(100, 100_000), 60, False),
                          "x": rng.normal(size=60)})
    model, said = _fit(TabularRegressor(MLPRegressor(**SMALL)), frame, pd.Series(frame["x"]))
    assert model.identifiers_ == ["record no"], said


def test_two_digit_years_are_refused_and_times_with_seconds_read(clinic):
    """15/03/52 is 1952 or 2052: refused by row; US dates with seconds are dates."""
    frame, y = clinic
    born = pd.date_range("1940-01-01", periods=N, freq="37D")
    with pytest.raises(ValueError, match=r"column 'born' holds dates with two-digit years "
                       r"\(like '01/01/40' in row 0\), whose century is a guess"):
        TabularRegressor(MLPRegressor(**SMALL)).fit(
            frame[["age"]].assign(born=[f"{d:%d/%m/%y}" for d in born]), y)
    seen = [f"{d:%m/%d/%Y %H:%M:%S}" for d in pd.date_range("2020-01-13 08:00:00", periods=N,
                                                             freq="29h")]
    model, _ = _fit(TabularRegressor(MLPRegressor(**SMALL)), frame[["age"]].assign(seen=seen), y)
    assert list(model.dates_) == ["seen"] and model.numeric_columns_ == ["age", "seen"]


def test_consecutive_measurements_are_not_row_counters():
    """Distinct consecutive whole numbers that do not start at 0 or 1 (years of a trend, ages
    in a small table) are measurements; a 1..n or 0..n-1 counter, a few rows dropped from its
    start, is an identifier."""
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"year": rng.permutation(np.arange(1990, 2020)),
                          "age": rng.permutation(np.arange(40, 70)),
                          "row": rng.permutation(np.arange(2, 32)),  # 1..31, the first row dropped
                          "x": rng.normal(size=30)})
    model, said = _fit(TabularRegressor(MLPRegressor(**SMALL)), frame, pd.Series(frame["x"]))
    assert model.identifiers_ == ["row"], said
    assert model.numeric_columns_ == ["year", "age", "x"]


def test_identifiers_survive_the_model_file(clinic, tmp_path):
    frame, y = clinic
    model, _ = _fit(TabularRegressor(MLPRegressor(**SMALL)), frame, y)
    model.save(tmp_path / "m.nnfit")
    loaded = nnfit.load(tmp_path / "m.nnfit")
    assert loaded.identifiers_ == model.identifiers_
    assert np.array_equal(loaded.predict(frame), model.predict(frame))


def test_dates_are_days_since_the_earliest_with_the_origin_kept(clinic, tmp_path):
    frame, y = clinic
    when = pd.Timestamp("2019-03-01") + pd.to_timedelta(
        np.random.default_rng(3).integers(0, 900, N), unit="D")
    dated = frame[["age", "sex"]].assign(admitted=when, visit=when.strftime("%d.%m.%Y"))
    model, said = _fit(TabularRegressor(MLPRegressor(**SMALL)), dated, y)
    first, last = when.min(), when.max()
    assert said == [f"column(s) 'admitted' ({first:%Y-%m-%d} to {last:%Y-%m-%d}), 'visit' "
                    f"({first:%Y-%m-%d} to {last:%Y-%m-%d}, written %d.%m.%Y) hold dates or "
                    "times: each enters the model as the days since its earliest date in the "
                    "training rows (a number, not a category; the model file keeps that origin "
                    "for new rows); to leave one out, exclude=[...] (on the command line "
                    "--exclude)"]
    assert model.dates_ == {"admitted": (first.isoformat(), None),
                            "visit": (first.isoformat(), "%d.%m.%Y")}
    days = ((when - first) / pd.Timedelta(days=1)).to_numpy()
    scaler = model.preprocessor_.named_transformers_["numeric"].named_steps["scale"]
    np.testing.assert_allclose(scaler.mean_[1:], [days.mean()] * 2, rtol=1e-12)
    np.testing.assert_allclose(scaler.scale_[1:], [days.std()] * 2, rtol=1e-12)
    assert len(model.get_feature_names_out()) == 5  # not one per date
    # new rows: the training origin, not their own earliest date
    new = dated.iloc[:3].assign(admitted=pd.Timestamp("2025-01-01"), visit="01.01.2025")
    Z = model._design(new)
    expected = ((pd.Timestamp("2025-01-01") - first).days - days.mean()) / days.std()
    np.testing.assert_allclose(Z[:, 1:3], expected, rtol=1e-12)
    model.save(tmp_path / "d.nnfit")
    loaded = nnfit.load(tmp_path / "d.nnfit")
    assert loaded.dates_ == model.dates_
    assert np.array_equal(loaded.predict(new), model.predict(new))
    with pytest.raises(ValueError, match=r"column 'visit', row 1: 'soon' is not a date written "
                       r"%d.%m.%Y, but the model was fitted on dates"):
        model.predict(new.assign(visit=["01.01.2025", "soon", "02.01.2025"]))
    # fitted on datetimes, given text: read as at fit, never month-first by guess
    as_text = new.assign(admitted=["2025-01-01"] * 3)
    assert np.array_equal(model.predict(as_text), model.predict(new))
    assert np.array_equal(model.predict(new.assign(admitted=["13/01/2025"] * 3)),
                          model.predict(new.assign(admitted=pd.Timestamp("2025-01-13"))))
    with pytest.raises(ValueError, match=r"column 'admitted' holds dates that read two ways "
                       r"\('02/01/2025' is 2025-01-02 as %d/%m/%Y and 2025-02-01 as %m/%d/%Y\); "
                       r"write them as YYYY-MM-DD \(e.g. 2020-04-03\)$"):
        model.predict(new.assign(admitted=["02/01/2025"] * 3))
    with pytest.raises(ValueError, match=r"column 'admitted', rows 0, 1, 2: 'soon' is not a date "
                       r"\(write dates as YYYY-MM-DD\), but the model was fitted on dates"):
        model.predict(new.assign(admitted=["soon"] * 3))
    with pytest.raises(ValueError, match=r"column 'admitted', row 1: '2025-02-30' is not a date"):
        model.predict(new.assign(admitted=["2025-01-13", "2025-02-30", "2025-01-02"]))
    # ISO 8601 with a time zone or fractions of seconds (what to_csv writes for aware times)
    for text in ["2025-01-01T00:00:00Z", "2025-01-01 02:00:00+02:00", "2025-01-01 00:00:00.000"]:
        assert np.array_equal(model.predict(new.assign(admitted=[text] * 3)),
                              model.predict(new)), text
    with pytest.raises(ValueError, match=r"column 'admitted' holds numbers \(20250101\), but "
                       r"the model was fitted on dates"):  # not nanoseconds since 1970
        model.predict(new.assign(admitted=[20250101] * 3))
    # fitted on text dd.mm.yyyy, given datetimes, date objects or ISO text: the same dates
    as_dates = new.assign(visit=pd.Timestamp("2025-01-01"))
    for given in [pd.Timestamp("2025-01-01"), pd.Timestamp("2025-01-01", tz="UTC"),
                  "2025-01-01T00:00:00Z"]:
        assert np.array_equal(model.predict(new.assign(visit=[given] * 3)), model.predict(new))
    assert np.array_equal(model.predict(new.assign(
        visit=pd.Series([pd.Timestamp("2025-01-01").date()] * 3, dtype=object))),
        model.predict(as_dates))
    with pytest.raises(ValueError, match=r"column 'visit', rows 0, 1, 2: '2021' is not a date"):
        model.predict(new.assign(visit=["2021"] * 3))  # a year alone would be a guess of the day
    with pytest.raises(ValueError, match=r"column 'visit' holds numbers \(43466.0\), but the "
                       r"model was fitted on dates"):  # an Excel serial, not nanoseconds
        model.predict(new.assign(visit=[43466.0] * 3))


def test_iso_8601_text_with_a_time_zone_is_dates_at_fit(clinic):
    frame, y = clinic
    when = pd.Timestamp("2019-03-01") + pd.to_timedelta(
        np.random.default_rng(4).integers(0, 900, N), unit="D")
    text = [f"{d:%Y-%m-%dT%H:%M:%SZ}" if k % 5 else f"{d:%Y-%m-%d}" for k, d in enumerate(when)]
    model, said = _fit(TabularRegressor(MLPRegressor(**SMALL)), frame[["age"]].assign(seen=text),
                       y)
    assert model.dates_ == {"seen": (when.min().isoformat(), "ISO 8601")}
    assert "written ISO 8601" in said[0]
    by_datetimes, _ = _fit(TabularRegressor(MLPRegressor(**SMALL)),
                           frame[["age"]].assign(seen=when), y)
    assert np.array_equal(model.predict(frame[["age"]].assign(seen=when)),
                          by_datetimes.predict(frame[["age"]].assign(seen=when)))
    mixed = [f"{d:%Y-%m-%dT%H:%M:%S}" + ("+02:00" if k % 4 else "") for k, d in enumerate(when)]
    with pytest.raises(ValueError, match=r"column 'seen' mixes times with a time zone "
                       r"\('20.*\+02:00' in row 1\) and without one \('20\d\d-\d\d-\d\dT00:00:00' "
                       r"in row 0\)"):
        TabularRegressor(MLPRegressor(**SMALL)).fit(frame[["age"]].assign(seen=mixed), y)
    from nnfit.tabular.dates import dates_from_state
    from nnfit.tabular.state import _check
    with pytest.raises(ValueError, match=r"has the date format '%Q', which this nnfit does not "
                       r"know"):
        dates_from_state([{"column": "seen", "origin": "2020-01-01", "format": "%Q"}],
                         ["seen"], _check)


def test_dates_that_read_two_ways_or_hold_other_text_are_refused(clinic):
    frame, y = clinic
    both = [f"{d:%m/%d/%Y}" for d in pd.date_range("2020-01-01", periods=12, freq="MS")] * 20
    with pytest.raises(ValueError, match=r"column 'seen' holds dates that read two ways "
                       r"\('02/01/2020' is 2020-01-02 as %d/%m/%Y and 2020-02-01 as %m/%d/%Y\); "
                       r"write them as YYYY-MM-DD"):
        TabularRegressor(MLPRegressor(**SMALL)).fit(frame[["age"]].assign(seen=both[:N]), y)
    text = [f"{d:%Y-%m-%d}" for d in pd.date_range("2020-01-01", periods=N)]
    text[4] = text[9] = "unknown"
    with pytest.raises(ValueError, match=r"column 'seen' holds dates \(written like "
                       r"'2020-01-01'\) but 'unknown' in rows 4, 9 are not dates in that form"):
        TabularRegressor(MLPRegressor(**SMALL)).fit(frame[["age"]].assign(seen=text), y)


def _labels(counts):
    return pd.Series(np.repeat(list(counts), list(counts.values())), name="sex")


def test_a_mistyped_target_label_is_refused_naming_its_rows(clinic):
    frame, _ = clinic
    y = _labels({"M": 110, "F": 87, "mm": 3})
    with pytest.raises(ValueError) as caught:
        TabularClassifier(MLPClassifier(**SMALL)).fit(frame[["age"]], y)
    assert str(caught.value) == (
        "the target 'sex' has the label 'mm' in 3 row(s) (rows 197, 198, 199) beside 'M' in "
        "110: they differ only by case and one letter, so 'mm' is probably 'M' mistyped and "
        "would be a class of its own; fix those rows in the file (in Python y.replace({'mm': "
        "'M'})), or, if 'mm' is a class of its own, pass allow_similar_classes=True (on the "
        "command line --allow-similar-classes)")
    with pytest.raises(ValueError, match="label ' yes' in 90 row.* beside 'Yes' in 110: they "
                       "differ only by case or spaces"):
        TabularClassifier(MLPClassifier(**SMALL)).fit(frame[["age"]],
                                                      _labels({"Yes": 110, " yes": 90}))
    with pytest.raises(ValueError, match="label 'Blsck' in 4 row.* beside 'Black' in 150: they "
                       "differ only by one letter"):
        TabularClassifier(MLPClassifier(**SMALL)).fit(
            frame[["age"]].iloc[:190], _labels({"Black": 150, "White": 36, "Blsck": 4}))
    model, _ = _fit(TabularClassifier(MLPClassifier(**SMALL), allow_similar_classes=True),
                    frame[["age"]], y)
    assert list(model.classes_) == ["F", "M", "mm"]


@pytest.mark.parametrize("counts", [{"A": 80, "O": 90, "B": 22, "AB": 8},  # blood groups
                                    {"T1": 150, "T2": 45, "T3": 5},  # stages: digits differ
                                    {"AML": 150, "ALL": 40, "CML": 10},  # diagnoses
                                    {"I": 150, "II": 40, "III": 8, "IV": 2},  # grades, NYHA
                                    {"IA": 150, "IIA": 12, "IIB": 38},  # stages
                                    {"Stage II": 180, "Stage III": 20},
                                    {"Luminal A": 180, "Luminal B": 20},  # not rare: a class
                                    {"CML": 190, "CMML": 3, "AML": 7},  # codes in capitals
                                    {"Type A": 190, "Type AB": 10},
                                    {"no": 120, "yes": 80}])
def test_real_classes_are_not_taken_for_typos(clinic, counts):
    frame, _ = clinic
    model, _ = _fit(TabularClassifier(MLPClassifier(**SMALL)), frame[["age"]], _labels(counts))
    assert sorted(model.classes_) == sorted(counts)


def test_imputation_is_summarized_and_kept(clinic, tmp_path):
    frame, y = clinic
    X = frame[["age", "bmi", "sex"]].copy()
    X.loc[[3, 8, 40], "age"] = np.nan
    X.loc[[5], "sex"] = np.nan
    model, said = _fit(TabularRegressor(MLPRegressor(**SMALL), impute="median"), X, y)
    median = float(X["age"].median())
    top = X["sex"].value_counts().idxmax()
    assert model.imputed_ == {
        "age": {"cells": 3, "strategy": "median", "value": median, "indicator": None},
        "sex": {"cells": 1, "strategy": "most_frequent", "value": top, "indicator": None}}
    assert said == [f"imputed 4 missing value(s) (0.7% of the cells used) in 2 column(s): 'age': "
                    f"3 by the median, {median:g} (rows 3, 8, 40); 'sex': 1 by the most frequent "
                    f"category, {top!r} (row 5); the model fills in missing values of new rows "
                    "with the same values (imputed_)"]
    model.save(tmp_path / "i.nnfit")
    assert nnfit.load(tmp_path / "i.nnfit").imputed_ == model.imputed_


def test_missingness_indicators_enter_the_design_and_the_model_file(clinic, tmp_path):
    frame, y = clinic
    X = frame[["age", "sex"]].copy()
    missing = np.zeros(N, bool)
    missing[::10] = True
    X.loc[missing, "age"] = np.nan
    target = y + 2.0 * missing  # missingness itself carries 2 units
    model, _ = _fit(TabularRegressor(LinearRegression(), impute="median+indicator"), X, target)
    assert list(model.get_feature_names_out()) == ["age", "sex_f", "sex_m", "age_missing"]
    assert model.imputed_["age"]["indicator"] == "age_missing"
    # least squares by hand on the same design: median-imputed standardized age, sex, indicator
    age = X["age"].fillna(X["age"].median()).to_numpy()
    design = np.column_stack([(age - age.mean()) / age.std(), X["sex"] == "m", missing,
                              np.ones(N)]).astype(float)
    coef = np.linalg.lstsq(design, target.to_numpy(), rcond=None)[0]
    np.testing.assert_allclose(model.predict(X), design @ coef, rtol=1e-10)
    np.testing.assert_allclose(model.estimator_.coef_[3], coef[2], rtol=1e-9)  # indicator
    assert abs(coef[2] - 2.0) < 0.5
    network, _ = _fit(TabularRegressor(MLPRegressor(**SMALL), impute="mean+indicator"), X,
                      target)
    network.save(tmp_path / "ind.nnfit")
    loaded = nnfit.load(tmp_path / "ind.nnfit")
    assert loaded.preprocessor_.indicators_ == ["age"] and loaded.impute_ == "mean+indicator"
    assert loaded.imputed_ == network.imputed_ and network.imputed_["age"]["value"] == float(
        X["age"].mean())
    np.testing.assert_array_equal(loaded.predict(X), network.predict(X))


def test_numbers_with_a_code_for_missing_are_refused_with_the_code_and_rows(clinic):
    frame, y = clinic
    coded = frame[["age"]].assign(sbp_base=frame["bmi"].round(1).astype(str))
    coded.loc[[6, 21], "sbp_base"] = "-"
    with pytest.raises(ValueError) as caught:
        TabularRegressor(MLPRegressor(**SMALL)).fit(coded, y)
    assert str(caught.value) == (
        "column 'sbp_base' holds numbers except '-' in rows 6, 21: codes for a missing value? "
        "As it stands the column would be text, each distinct number a category. Declare them "
        "missing: na_values=['-'] when reading (nnfit.read_file, pandas.read_csv; on the "
        "command line --na-values -), or fix those cells; to use the column as text anyway, "
        "keep=['sbp_base'] (--keep sbp_base)")
    grades = frame[["age"]].assign(grade=np.where(np.arange(N) % 9 == 0, "unknown",
                                                  (np.arange(N) % 3 + 1).astype(str)))
    model, _ = _fit(TabularRegressor(MLPRegressor(**SMALL)), grades, y)  # a coded category
    assert model.categorical_columns_ == ["grade"]


def test_command_line_reads_dots_as_missing_and_names_codes_by_file_row(clinic, tmp_path,
                                                                        capsys):
    frame, y = clinic
    table = frame[["age", "sex"]].assign(sbp=y.round(2), bmi=frame["bmi"].round(1).astype(str),
                                         day=pd.date_range("2021-01-01", periods=N))
    table.loc[[2, 11], "bmi"] = "."
    table.loc[[4], "bmi"] = "-"
    data = tmp_path / "coded.csv"
    table.to_csv(data, index=False)
    out = str(tmp_path / "m.nnfit")
    args = ["fit", str(data), "--target", "sbp", "--out", out, "--epochs", "3", "--quiet"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "'.' read as a missing value, as SAS and Stata write one, in column(s) 'bmi' (rows " \
           "3, 12)" in err  # rows counted from 1 in the file, the header not counted
    assert "error: column 'bmi' holds numbers except '-' in row 5: codes for a missing" in err
    assert main(args + ["--na-values", "-", "--impute", "median+indicator"]) == 0
    err = capsys.readouterr().err
    assert "imputed 3 missing value(s)" in err and "'bmi': 3 by the median" in err
    assert "(rows 3, 5, 12), with the 0/1 column 'bmi_missing'" in err
    assert "'day' (2021-01-01 to 2021-07-19, written %Y-%m-%d) hold dates" in err
    model = nnfit.load(out)
    assert list(model.get_feature_names_out()) == ["age", "bmi", "day", "sex_f", "sex_m",
                                                   "bmi_missing"]
    assert model.imputed_["bmi"]["cells"] == 3


def test_command_line_keep_and_allow_similar_classes(clinic, tmp_path, capsys):
    frame, _ = clinic
    table = frame[["age", "seq"]].assign(sex=_labels({"M": 110, "F": 87, "mm": 3}).to_numpy())
    data = tmp_path / "labels.csv"
    table.to_csv(data, index=False)
    out = str(tmp_path / "c.nnfit")
    args = ["fit", str(data), "--target", "sex", "--out", out, "--epochs", "3", "--quiet"]
    assert main(args) == 2
    assert ("error: the target 'sex' has the label 'mm' in 3 row(s) (rows 198, 199, 200) "
            "beside 'M' in 110") in capsys.readouterr().err
    assert main(args + ["--allow-similar-classes", "--keep", "seq"]) == 0
    model = nnfit.load(out)
    assert list(model.classes_) == ["F", "M", "mm"] and model.numeric_columns_ == ["age", "seq"]


def test_indicators_with_weights_equal_the_repeated_rows():
    """A weight of 2 is the row twice with missingness indicators too (logistic regression at
    full batch, to 1e-8); an indicator is made only for missing values in rows of positive
    weight, as if the rows of weight 0 were left out."""
    rng = np.random.default_rng(4)
    n = 60
    X = pd.DataFrame({"age": rng.normal(50, 10, n).round(1), "site": rng.choice(["a", "b"], n)})
    X.loc[[2, 9, 30, 41], "age"] = np.nan
    X.loc[[7], "site"] = np.nan
    labels = np.where(rng.random(n) < 0.4 + 0.2 * X["age"].isna(), "yes", "no")
    weight = rng.integers(1, 4, n)
    weight[7] = 0  # the only missing site: no indicator for it
    network = dict(hidden_layer_sizes=(), ridge=0.0, optimizer="lbfgs", dtype="float64",
                   early_stopping=False, validation_fraction=0, random_state=0, epochs=1000)
    repeated = np.repeat(np.arange(n), weight)
    weighted, _ = _fit(TabularClassifier(MLPClassifier(**network), impute="median+indicator"),
                       X, labels, sample_weight=weight)
    rows, _ = _fit(TabularClassifier(MLPClassifier(**network), impute="median+indicator"),
                   X.iloc[repeated], labels[repeated])
    assert weighted.preprocessor_.indicators_ == rows.preprocessor_.indicators_ == ["age"]
    np.testing.assert_allclose(weighted.predict_proba(X), rows.predict_proba(X), rtol=0,
                               atol=1e-8)
