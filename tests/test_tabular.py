"""``TabularClassifier`` / ``TabularRegressor``: mixed-type frames, unseen categories, exclude,
impute, save/load bit for bit, scikit-learn's model selection, damaged model files."""
import inspect
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score

import nnfit
from nnfit import (MLPClassifier, MLPRegressor, TabularClassifier, TabularRegressor,
                   UnseenCategoryWarning)
from nnfit.modelfile.format import canonical, digest
from nnfit.tabular.state import from_dict, to_dict

SMALL = dict(hidden_layer_sizes=(8,), epochs=30, random_state=0, validation_fraction=0.0,
             early_stopping=False, batch_size=32, learning_rate=0.01)


def make_frame(n=160, seed=0):
    """int, float, object, category, pandas string and bool predictors and an id column."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    color = rng.choice(["red", "green", "blue"], n)
    frame = pd.DataFrame({
        "x1": x1, "count": rng.integers(0, 10, n), "color": color,
        "size": pd.Categorical(rng.choice(["S", "M", "L"], n)),
        "site": pd.array(rng.choice(["a", "b"], n), dtype="string"),
        "flag": rng.random(n) > 0.5, "patient_id": [f"P{i:03d}" for i in range(n)]})
    price = 3 * x1 + 2 * (color == "red") + frame["flag"] + rng.normal(0, 0.3, n)
    kind = pd.Series(np.where(x1 + (color == "red") > 0.5, "big", "small"), name="kind")
    return frame, pd.Series(price, name="price"), kind


@pytest.fixture(scope="module")
def fitted():
    frame, price, kind = make_frame()
    clf = TabularClassifier(MLPClassifier(**SMALL), exclude=["patient_id"]).fit(frame, kind)
    reg = TabularRegressor(MLPRegressor(**SMALL), exclude="patient_id",
                           impute="median").fit(frame, price)
    return frame, price, kind, clf, reg


def test_mixed_type_frame(fitted):
    frame, price, kind, clf, reg = fitted
    assert clf.numeric_columns_ == ["x1", "count"]
    assert clf.categorical_columns_ == ["color", "size", "site", "flag"]
    assert clf.preprocessor_.transform(frame[clf.numeric_columns_ + clf.categorical_columns_]
                                       .astype({"flag": str})).shape == (160, 2 + 3 + 3 + 2 + 2)
    assert list(clf.classes_) == ["big", "small"] and clf.estimator_.n_features_in_ == 12
    assert list(clf.feature_names_in_) == list(frame.columns)
    labels, P = clf.predict(frame), clf.predict_proba(frame)
    assert isinstance(labels, np.ndarray) and P.shape == (160, 2)
    assert clf.score(frame, kind) > 0.85 and reg.score(frame, price) > 0.7
    assert isinstance(reg.predict(frame), np.ndarray)
    # the numeric columns arrive standardized: the inner copy does not standardize again,
    # and the user's estimator is left as given
    assert clf.estimator_.standardize is False and clf.estimator.standardize is True
    Z = clf._design(frame)
    assert np.allclose(Z[:, 0], (frame.x1 - frame.x1.mean()) / frame.x1.std(ddof=0))
    assert set(np.unique(Z[:, 2:])) == {0.0, 1.0}


def test_unseen_category_warns_with_column_and_values(fitted):
    frame, _, _, clf, _ = fitted
    new = frame.copy()
    new.loc[[2, 5], "color"] = ["purple", "teal"]
    with pytest.warns(UnseenCategoryWarning, match=r"column 'color': 2 value\(s\) not seen in "
                      r"training.*'purple', 'teal' in rows 2, 5"):
        P = clf.predict_proba(new)
    assert np.isfinite(P).all()
    with pytest.warns(UnseenCategoryWarning):
        Z = clf._design(frame.iloc[[2]].assign(color="purple"))
    assert Z[0, 2:5].tolist() == [0.0, 0.0, 0.0]  # no category of 'color' is set
    same = [i for i in range(len(frame)) if i not in (2, 5)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # seen categories only: no warning
        assert np.array_equal(P[same], clf.predict_proba(frame.iloc[same]))


def test_excluded_columns_are_never_used(fitted):
    frame, _, kind, clf, _ = fitted
    reference = clf.predict_proba(frame)
    assert np.array_equal(clf.predict_proba(frame.drop(columns="patient_id")), reference)
    assert np.array_equal(clf.predict_proba(frame.assign(patient_id="other")), reference)
    with pytest.raises(ValueError, match=r"exclude names column 'patient_ID', which is not in "
                       r"the data \(did you mean 'patient_id'\?\)"):
        TabularClassifier(exclude=["patient_ID"]).fit(frame, kind)
    with pytest.raises(ValueError, match="every column is excluded"):
        TabularClassifier(exclude=list(frame.columns)).fit(frame, kind)
    with pytest.raises(ValueError, match=r"column\(s\) 'color' missing from the data"):
        clf.predict(frame.drop(columns="color"))


def test_missing_and_infinite_values(fitted):
    frame, price, _, _, reg = fitted
    holes = frame.copy()
    holes.loc[[3, 7], "x1"] = np.nan
    holes.loc[7, "color"] = None
    message = (r"missing or infinite values \(column 'x1': rows 3, 7; column 'color': row 7\); "
               r"fill in or drop those rows, or impute")
    with pytest.raises(ValueError, match=message):
        TabularRegressor(MLPRegressor(**SMALL)).fit(holes, price)
    infinite = holes.copy()
    infinite.loc[3, "x1"] = np.inf
    infinite.loc[7, "x1"] = -np.inf
    with pytest.raises(ValueError, match=message):  # inf: the same message as NaN
        TabularRegressor(MLPRegressor(**SMALL)).fit(infinite, price)
    # with impute: NaN filled by the training median / most frequent category, inf refused
    imputer = reg.preprocessor_.named_transformers_["numeric"]["impute"]
    assert imputer.statistics_[0] == np.median(frame.x1)
    filled = reg.predict(holes)
    assert np.isfinite(filled).all()
    assert filled[3] == reg.predict(holes.assign(x1=holes.x1.fillna(np.median(frame.x1))))[3]
    with pytest.raises(ValueError, match=r"column 'x1': rows 3, 7\); fill in or drop those rows$"):
        reg.predict(infinite)
    with pytest.raises(ValueError, match="column 'count', row 4: 'seven' is not a number"):
        reg.predict(frame.astype({"count": object}).assign(
            count=lambda f: f["count"].where(f.index != 4, "seven")))
    with pytest.raises(ValueError, match="impute='zero' is invalid"):
        TabularRegressor(impute="zero").fit(frame, price)
    with pytest.raises(ValueError, match=r"the target has missing values in rows 0, 9"):
        TabularRegressor().fit(frame, price.where(~price.index.isin([0, 9])))


def test_values_too_large_are_refused_with_their_column(fitted):
    frame, price, _, _, reg = fitted
    with pytest.raises(ValueError, match="column 'x1' has values too large to standardize"):
        TabularRegressor(MLPRegressor(**SMALL), exclude="patient_id").fit(
            frame.assign(x1=frame.x1 * 1e307), price)
    huge = frame.copy()
    huge.loc[6, "x1"] = 1e300
    with pytest.raises(ValueError, match="column 'x1', row 6: the value 1e.300 is .* beyond the "
                       "range of the model's float32"):
        reg.predict(huge)


def test_a_value_that_swamps_its_column_is_named_with_its_row(fitted):
    frame, price, _, _, _ = fitted
    swamped = frame.assign(x1=1.0 + 0.1 * frame.x1)
    swamped.loc[7, "x1"] = 1e100  # sd 8e98: the other rows differ by 1e-100 once standardized
    with pytest.warns(UserWarning, match=r"a value swamps its column's scaling.*\(column 'x1', "
                      r"row 7: 1e\+100 \(the other rows' sd is [.\d]+e-10\d of the column's\)\); "
                      r"check that value"):
        model = TabularRegressor(MLPRegressor(**SMALL), exclude="patient_id").fit(swamped, price)
    Z = model._design(swamped.drop(index=7))
    assert np.ptp(Z[:, 0]) < 1e-98  # what the warning is about: x1 is constant for the rest
    with warnings.catch_warnings():  # a heavy tail is not a swamp: 3 sds out, no warning
        warnings.simplefilter("error")
        TabularRegressor(MLPRegressor(**SMALL), exclude="patient_id").fit(
            frame.assign(x1=np.exp(2 * frame.x1)), price)
    huge = frame.copy()
    huge.loc[9, "x1"] = 1e308  # the variance overflows: refused, with the row
    with pytest.raises(ValueError, match=r"column 'x1' has values too large to standardize "
                       r"\(largest magnitude 1e\+308, in row 9;"):
        TabularRegressor(MLPRegressor(**SMALL), exclude="patient_id").fit(huge, price)


def test_numeric_identifiers_are_warned_by_name(fitted):
    frame, price, _, _, _ = fitted
    rng = np.random.default_rng(1)
    ids = frame.assign(**{"Unnamed: 0": np.arange(160), "PatientID": rng.permutation(160) + 1,
                          "counts": rng.permutation(160) * 3 + 11})  # distinct, not an id
    with pytest.warns(UserWarning, match=r"^column\(s\) 'Unnamed: 0', 'PatientID' hold a "
                      r"different whole number in each of the 160 rows") as caught:
        TabularRegressor(MLPRegressor(**SMALL), exclude="patient_id").fit(ids, price)
    assert not any("counts" in str(w.message) for w in caught)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TabularRegressor(MLPRegressor(**SMALL),
                         exclude=["patient_id", "Unnamed: 0", "PatientID"]).fit(ids, price)


def test_feature_names_out_are_the_networks_inputs(fitted):
    frame, _, _, clf, _ = fitted
    out = clf.get_feature_names_out()
    assert list(out[:2]) == ["x1", "count"] and list(out[2:5]) == [
        "color_blue", "color_green", "color_red"]
    assert len(out) == clf.estimator_.n_features_in_ == clf.estimator_.coefs_[0].shape[0]
    assert list(clf.get_feature_names_out(frame.columns)) == list(out)
    with pytest.raises(ValueError, match="input_features is not equal to feature_names_in_"):
        clf.get_feature_names_out(["x1"])


def test_design_matrix_is_the_column_transformers_bit_for_bit(fitted):
    """``transform`` (linear in the columns) gives what ColumnTransformer.transform gives."""
    from nnfit.tabular.preprocess import prepare, transform
    frame, _, _, _, reg = fitted
    holes = frame.copy()
    holes.loc[[3, 4], "x1"] = np.nan
    holes.loc[5, "color"] = None
    numeric, categorical = reg.numeric_columns_, reg.categorical_columns_
    prepared = prepare(holes, numeric, categorical, reg.impute_)
    ours = transform(reg.preprocessor_, prepared, len(numeric))
    assert np.array_equal(ours, reg.preprocessor_.transform(prepared))
    assert [part[2] for part in reg.preprocessor_.transformers_] == [slice(0, 2), slice(2, 6)]


@pytest.mark.parametrize("which", ["classifier", "regressor"])
def test_save_and_load_predict_bit_for_bit(tmp_path, fitted, which):
    frame, price, kind, clf, reg = fitted
    model = clf if which == "classifier" else reg
    path = model.save(tmp_path / "m.nnfit")
    loaded = nnfit.load(path)
    assert type(loaded) is type(model)
    new = frame.sample(frac=1.0, random_state=1)
    new.loc[new.index[:4], "x1"] = np.nan if which == "regressor" else 0.5
    assert np.array_equal(loaded.predict(new), model.predict(new))
    if which == "classifier":
        assert np.array_equal(loaded.predict_proba(new), model.predict_proba(new))
        assert list(loaded.classes_) == ["big", "small"]
    assert loaded.numeric_columns_ == model.numeric_columns_
    assert loaded.excluded_ == ["patient_id"] and loaded.impute_ == model.impute_
    assert loaded.target_name_ == ("kind" if which == "classifier" else "price")
    for a, b in zip(loaded.preprocessor_.transformers_, model.preprocessor_.transformers_):
        assert a[0] == b[0] and a[2] == b[2]
    # a loaded model fits again like a fresh one with the same settings
    refit = loaded.fit(frame, kind if which == "classifier" else price)
    assert np.array_equal(refit.predict(frame), model.predict(frame))


def test_grid_search_and_cross_validation(fitted):
    frame, _, kind, _, _ = fitted
    search = GridSearchCV(TabularClassifier(MLPClassifier(**SMALL), exclude=["patient_id"]),
                          {"estimator__hidden_layer_sizes": [(4,), (8,)],
                           "impute": [None, "mean"]}, cv=2).fit(frame, kind)
    assert search.best_params_["estimator__hidden_layer_sizes"] in [(4,), (8,)]
    assert search.best_estimator_.estimator_.hidden_layer_sizes == \
        search.best_params_["estimator__hidden_layer_sizes"]
    scores = cross_val_score(TabularClassifier(exclude=["patient_id"]).set_params(
        estimator__epochs=5, estimator__early_stopping=False, estimator__random_state=0),
        frame, kind, cv=3)
    assert scores.shape == (3,) and np.all((0 <= scores) & (scores <= 1))


def test_refit_takes_the_best_epoch_count_to_all_rows(fitted, tmp_path):
    """``refit=True``: the early-stopped fit on the training rows picks b, a fresh copy runs b
    epochs on every row; both are kept, with the labels of the held-out rows."""
    frame, _, kind, _, _ = fitted
    frame = frame.set_axis(pd.RangeIndex(1, len(frame) + 1))  # labels, not positions
    network = MLPClassifier((8,), epochs=40, patience=3, learning_rate=0.01, early_stopping=True,
                            random_state=0)
    model = TabularClassifier(network, exclude="patient_id").fit(frame, kind.to_numpy())
    first, final = model.early_stopped_estimator_, model.estimator_
    assert first is not final and len(model.validation_index_) == 16  # 10 % of 160 rows
    assert model.validation_index_.min() >= 1 and "val_loss" in first.history_
    assert np.array_equal(model.validation_index_, frame.index[first.validation_indices_])
    assert final.n_iter_ == first.best_epoch_ >= 1 and "val_loss" not in final.history_
    assert final.get_params()["early_stopping"] is False and len(final.validation_indices_) == 0
    # the same as fitting that many epochs on all rows by hand
    by_hand = TabularClassifier(clone(network).set_params(
        epochs=first.best_epoch_, early_stopping=False, validation_fraction=0.0),
        exclude="patient_id").fit(frame, kind.to_numpy())
    assert np.array_equal(by_hand.predict_proba(frame), model.predict_proba(frame))
    # early_stopped_model: the first fit behind the same preprocessing, for held-out scores
    before = model.early_stopped_model()
    assert before.estimator_ is first and model.estimator_ is final
    held = frame.loc[model.validation_index_]
    assert np.array_equal(before.predict_proba(held),
                          first.predict_proba(model.preprocessor_.transform(
                              held[model.numeric_columns_ + model.categorical_columns_]
                              .astype({"flag": str}))))
    with pytest.raises(AttributeError, match="keeps the final network only"):
        nnfit.load(model.save(tmp_path / "m.nnfit")).early_stopped_model()
    kept = TabularClassifier(network, exclude="patient_id", refit=False).fit(frame, kind)
    assert kept.estimator_ is kept.early_stopped_estimator_
    assert np.array_equal(kept.estimator_.network_.theta, first.network_.theta)
    with pytest.raises(ValueError, match="refit='yes' is invalid: expected True or False"):
        TabularClassifier(refit="yes").fit(frame, kind)


def test_nothing_held_out_means_nothing_to_refit(fitted):
    frame, price, _, _, _ = fitted
    model = TabularRegressor(MLPRegressor((8,), epochs=5, random_state=0),
                             exclude="patient_id").fit(frame, price)  # "auto": < 10,000 rows
    assert model.estimator_ is model.early_stopped_estimator_
    assert len(model.validation_index_) == 0 and model.estimator_.n_iter_ == 5


@pytest.mark.skipif("sample_weight" not in inspect.signature(MLPRegressor.fit).parameters,
                    reason="MLPRegressor.fit has no sample_weight yet")
def test_sample_weight_reaches_the_network(fitted):
    frame, price, _, _, _ = fitted
    plain = TabularRegressor(MLPRegressor(**SMALL)).fit(frame, price)
    weighted = TabularRegressor(MLPRegressor(**SMALL)).fit(frame, price, sample_weight=np.r_[
        np.ones(80), 5 * np.ones(80)])
    assert not np.array_equal(plain.predict(frame), weighted.predict(frame))


def test_bad_input_types(fitted):
    frame, price, _, _, _ = fitted
    with pytest.raises(TypeError, match="X must be a pandas DataFrame"):
        TabularRegressor().fit(frame.to_numpy(), price)
    with pytest.raises(TypeError, match="column names must be strings"):
        TabularRegressor().fit(pd.DataFrame(np.eye(3)), [1, 2, 3])
    with pytest.raises(TypeError, match="exclude=.* give a list of column names"):
        TabularRegressor(exclude=[1]).fit(frame, price)
    with pytest.warns(UserWarning, match=r"column\(s\) 'when' \(2020-01-01 to 2020-06-08\) "
                      "hold dates or times: each enters the model as the days since"):
        dated = TabularRegressor(MLPRegressor(**SMALL), exclude="patient_id").fit(frame.assign(
            when=pd.date_range("2020-01-01", periods=len(frame))), price)  # days, not one-hot
    assert "when" in dated.numeric_columns_ and len(dated.get_feature_names_out()) == 13
    with pytest.warns(UserWarning, match="column 'patient_id' has a different value in each "
                      "of its 160 rows"):
        TabularRegressor(MLPRegressor(**SMALL)).fit(frame, price)


def _damaged(state, change):
    state = json.loads(json.dumps(state))
    change(state)
    return state


@pytest.mark.parametrize("change, why", [
    (lambda s: s["preprocessing"]["numeric"][0].update(mean=float("nan")), "mean nan, not a finite number"),
    (lambda s: s["preprocessing"]["numeric"][1].update(sd=0), "sd 0, not a finite number > 0"),
    (lambda s: s["preprocessing"]["numeric"][1].update(sd="1"), "sd '1', not a finite number"),
    (lambda s: s["preprocessing"]["categorical"][0]["categories"].reverse(), "not sorted"),
    (lambda s: s["preprocessing"]["categorical"][0]["categories"].append("zzz"), "makes 13 features but"),
    (lambda s: s["preprocessing"]["categorical"][0]["categories"].__setitem__(0, 7), "not a list of strings"),
    (lambda s: s["preprocessing"]["categorical"].pop(), "does not use exactly the columns"),
    (lambda s: s["columns"].append("x1"), "repeats a name"),
    (lambda s: s.update(task="regression"), "says 'regression' but its network does"),
    (lambda s: s.update(impute="zero"), "has impute='zero'"),
    (lambda s: s.pop("exclude"), "has the keys"),
    (lambda s: s.update(exclude=["nope"]), "excludes columns it never saw"),
    (lambda s: s["preprocessing"]["numeric"].__setitem__(0, [1, 2]), "numeric entry without"),
    (lambda s: s.update(target=3), "target name that is not a string"),
    (lambda s: s["preprocessing"]["numeric"][0].pop("fill"), "numeric entry without exactly the"),
    (lambda s: s.pop("format"), "has the keys"),
])
def test_damaged_tabular_section_is_refused(fitted, change, why):
    _, _, _, clf, _ = fitted
    state = to_dict(clf)
    assert from_dict(TabularClassifier, state, clf.estimator_).predict(fitted[0]).shape == (160,)
    with pytest.raises(ValueError, match="the model file is not a valid nnfit model: its "
                       "tabular section .*" + why.replace("(", r"\(")):
        from_dict(TabularClassifier, _damaged(state, change), clf.estimator_)
    with pytest.raises(ValueError, match="not a JSON object"):
        from_dict(TabularClassifier, [state], clf.estimator_)


def test_damaged_file_is_refused_by_load(tmp_path, fitted):
    """The tabular section of a whole file edited and its checksum recomputed."""
    _, _, _, clf, _ = fitted
    path = clf.save(tmp_path / "m.nnfit")
    with np.load(path) as npz:
        arrays = {name: npz[name] for name in npz.files}
    header = json.loads(arrays.pop("header").tobytes())
    header["tabular"]["preprocessing"]["numeric"][0]["sd"] = -1.0
    header["sha256"] = digest(header, arrays)
    arrays["header"] = np.frombuffer(canonical(header), dtype=np.uint8)
    with open(path, "wb") as file:
        np.savez(file, **arrays)
    with pytest.raises(ValueError, match="is not a valid nnfit model.*(column 'x1''s sd -1.0|"
                       "an sd > 0)"):  # (the file's schema may catch it before from_dict)
        nnfit.load(path)


def test_files_of_nnfit_0_1_still_load(fitted):
    """nnfit 0.1's command line stored {preprocessing: {numeric, categorical}, target}."""
    frame, _, kind, _, _ = fitted
    used = frame.drop(columns="patient_id")
    clf = TabularClassifier(MLPClassifier(**SMALL)).fit(used, kind)
    new = to_dict(clf)
    old = {"target": "kind", "preprocessing": {
        kind: [{k: v for k, v in entry.items() if k != "fill"} for entry in entries]
        for kind, entries in new["preprocessing"].items()}}
    loaded = from_dict(TabularClassifier, old, clf.estimator_)
    assert np.array_equal(loaded.predict_proba(used), clf.predict_proba(used))
