"""Model files: save/load round trips are bit-identical, and bad files are refused clearly."""
import json
import zipfile

import numpy as np
import pandas as pd
import pytest

import nnfit
from nnfit import MLPClassifier, MLPRegressor
from nnfit.modelfile.format import FORMAT_VERSION, HEADER, canonical, digest


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    return X, X[:, 0] - 2 * X[:, 1] + rng.normal(scale=0.1, size=120)


@pytest.mark.parametrize("labels", [np.array(["no", "yes"], dtype=object), np.array([3, 7]),
                                    np.array([False, True]), np.array(["a", "b", "c"])])
def test_classifier_round_trip_is_bit_identical(tmp_path, data, labels):
    X, _ = data
    y = labels[(X[:, 0] > 0).astype(int) + (X[:, 1] > 1) * (len(labels) - 2)]
    model = MLPClassifier((6,), dropout=0.1, epochs=5, random_state=0).fit(X, y)
    loaded = nnfit.load(model.save(tmp_path / "c.nnfit"))
    assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert np.array_equal(loaded.predict(X), model.predict(X))
    assert loaded.classes_.dtype == model.classes_.dtype
    assert list(loaded.classes_) == list(model.classes_)
    assert loaded.get_params() == model.get_params()
    assert loaded.history_ == model.history_


def test_regressor_round_trip_keeps_names_scalings_and_history(tmp_path, data):
    X, y = data
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    model = MLPRegressor((8, 4), ridge=1e-3, epochs=6, standardize=True, random_state=1)
    model.fit(frame, y)
    loaded = nnfit.load(model.save(tmp_path / "r.nnfit"))
    assert np.array_equal(loaded.predict(frame), model.predict(frame))
    assert list(loaded.feature_names_in_) == ["a", "b", "c", "d"]
    assert loaded.n_iter_ == model.n_iter_ and loaded.best_epoch_ == model.best_epoch_
    assert loaded.hidden_layer_sizes == (8, 4)


@pytest.mark.parametrize("optimizer", ["rmsprop", "adam", "sgd", "momentum", "gd"])
@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_a_loaded_model_continues_its_fit_as_if_never_saved(tmp_path, data, estimator, optimizer):
    # the optimizer's running averages, the random generator and the held-out rows all travel
    X, y = data
    if estimator is MLPClassifier:
        y = (X[:, 0] > 0).astype(int)
    params = dict(hidden_layer_sizes=(6,), dropout=0.2, optimizer=optimizer, epochs=3,
                  validation_fraction=0.25, early_stopping=False, warm_start=True, random_state=3)
    straight = estimator(**params).fit(X, y)
    loaded = nnfit.load(estimator(**params).fit(X, y).save(tmp_path / "m.nnfit"))
    straight.fit(X, y)
    loaded.fit(X, y)
    assert np.array_equal(loaded.network_.theta, straight.network_.theta)
    for key in ("train_objective", "val_loss", "val_score"):  # not "seconds"
        assert loaded.history_[key] == straight.history_[key]


@pytest.mark.filterwarnings("ignore:.*used all its iterations")
@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_an_lbfgs_model_saves_loads_and_continues(tmp_path, data, estimator):
    """L-BFGS keeps no optimizer state: the file holds none, and a warm start after ``load``
    takes the same iterations as one without saving."""
    X, y = data
    if estimator is MLPClassifier:
        y = (X[:, 0] + X[:, 1] ** 2 > 1).astype(int)
    params = dict(hidden_layer_sizes=(6,), optimizer="lbfgs", ridge=1e-3, epochs=5,
                  validation_fraction=0.25, early_stopping=False, warm_start=True, random_state=3)
    straight = estimator(**params).fit(X, y)
    path = estimator(**params).fit(X, y).save(tmp_path / "lbfgs.nnfit")
    with zipfile.ZipFile(path) as archive:
        assert not [name for name in archive.namelist() if name.startswith("optimizer_")]
    loaded = nnfit.load(path)
    assert loaded.optimizer == "lbfgs"
    assert np.array_equal(loaded.predict(X), straight.predict(X))
    straight.fit(X, y)
    loaded.fit(X, y)
    assert loaded.n_iter_ == straight.n_iter_ == 10
    assert np.array_equal(loaded.network_.theta, straight.network_.theta)
    assert loaded.history_["val_loss"] == straight.history_["val_loss"]


def test_no_pickle_in_the_file(tmp_path, data):
    X, y = data
    path = MLPRegressor((3,), epochs=2, random_state=0).fit(X, y).save(tmp_path / "r.nnfit")
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            assert name.endswith(".npy")
            assert np.load(archive.open(name), allow_pickle=False).dtype != object
    with np.load(path, allow_pickle=False) as npz:
        header = json.loads(npz[HEADER].tobytes())
    assert header["format_version"] == FORMAT_VERSION and header["estimator"] == "MLPRegressor"
    assert header["architecture"] == [4, 3, 1]


def test_callbacks_are_not_saved_but_noted(tmp_path, data):
    X, y = data
    model = MLPRegressor((3,), epochs=2, callbacks=[lambda record: None], random_state=0)
    loaded = nnfit.load(model.fit(X, y).save(tmp_path / "r.nnfit"))
    assert loaded.callbacks is None
    with np.load(tmp_path / "r.nnfit", allow_pickle=False) as npz:
        assert json.loads(npz[HEADER].tobytes())["params_not_saved"] == ["callbacks"]


@pytest.mark.parametrize("estimator, hidden", [(MLPClassifier, np.array([5])),
                                               (MLPClassifier, (np.int64(5), np.int32(3))),
                                               (MLPRegressor, np.array([5, 3])),
                                               (MLPRegressor, [np.int64(4)])])
def test_numpy_typed_hyperparameters_are_saved_as_plain_values(tmp_path, data, estimator,
                                                               hidden):
    X, y = data
    y = y > 0 if estimator is MLPClassifier else y
    model = estimator(hidden, ridge=np.float64(1e-3), epochs=np.int64(3),
                      dropout=np.array([0.1] * len(hidden)), batch_size=np.int32(16),
                      random_state=np.int64(0)).fit(X, y)
    loaded = nnfit.load(model.save(tmp_path / "m.nnfit"))
    with np.load(tmp_path / "m.nnfit", allow_pickle=False) as npz:
        header = json.loads(npz[HEADER].tobytes())
    assert header["params_not_saved"] == []
    assert header["params"]["hidden_layer_sizes"] == [int(h) for h in hidden]
    assert header["params"]["dropout"] == [0.1] * len(hidden)
    assert loaded.hidden_layer_sizes == tuple(int(h) for h in hidden)
    assert (loaded.ridge, loaded.epochs, loaded.batch_size) == (1e-3, 3, 16)
    assert type(loaded.epochs) is int and type(loaded.ridge) is float
    assert np.array_equal(loaded.predict(X), model.predict(X))
    assert loaded.network_.n_params == model.network_.n_params


def test_network_rebuilds_from_the_stored_architecture(tmp_path, data):
    """A file whose hyperparameters lack the hidden sizes (as files written before NumPy-typed
    sizes were converted did) still loads: the sizes come from the stored architecture."""
    X, y = data
    model = MLPRegressor((6, 2), epochs=3, random_state=0).fit(X, y)
    path = model.save(tmp_path / "m.nnfit")
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    header = json.loads(arrays.pop(HEADER).tobytes())
    del header["params"]["hidden_layer_sizes"]
    header["params_not_saved"] = ["hidden_layer_sizes"]
    header["sha256"] = digest(header, arrays)
    arrays[HEADER] = np.frombuffer(canonical(header), dtype=np.uint8)
    with open(path, "wb") as file:
        np.savez(file, **arrays)
    loaded = nnfit.load(path)
    assert loaded.hidden_layer_sizes == (6, 2)
    assert np.array_equal(loaded.predict(X), model.predict(X))


@pytest.fixture
def saved(tmp_path, data):
    X, y = data
    return MLPRegressor((5,), epochs=3, random_state=0).fit(X, y).save(tmp_path / "m.nnfit")


def test_truncated_file_is_refused(saved):
    saved.write_bytes(saved.read_bytes()[: saved.stat().st_size // 2])
    with pytest.raises(ValueError, match="not a valid nnfit model file: it is not a readable zip"):
        nnfit.load(saved)


def _rewrite(path, edit):
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    header = json.loads(arrays[HEADER].tobytes())
    edit(header, arrays)
    arrays[HEADER] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    with open(path, "wb") as file:
        np.savez(file, **arrays)


def test_tampered_parameters_fail_the_checksum(saved):
    def edit(header, arrays):
        arrays["theta"] = arrays["theta"].copy()
        arrays["theta"][0] += 1
    _rewrite(saved, edit)
    with pytest.raises(ValueError, match="SHA-256"):
        nnfit.load(saved)


def test_tampered_header_fails_the_checksum(saved):
    _rewrite(saved, lambda header, arrays: header["params"].update(activation="tanh"))
    with pytest.raises(ValueError, match="SHA-256"):
        nnfit.load(saved)


def test_future_format_version_asks_to_upgrade(saved):
    _rewrite(saved, lambda header, arrays: header.update(format_version=FORMAT_VERSION + 1))
    with pytest.raises(ValueError, match="upgrade nnfit"):
        nnfit.load(saved)


def test_unfitted_save_and_missing_file_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="not fitted"):
        MLPRegressor().save(tmp_path / "x.nnfit")
    with pytest.raises(FileNotFoundError, match="no model file"):
        nnfit.load(tmp_path / "absent.nnfit")


def test_tabular_model_round_trip_keeps_preprocessing(tmp_path):
    frame = pd.DataFrame({"x": [0.5, 1.5, 2.0, 3.5, 4.0, 5.5], "c": list("ababba"),
                          "b": [True, False, True, True, False, False]})
    y = (frame.x * 2 + (frame.c == "a")).rename("y")
    model = nnfit.TabularRegressor(MLPRegressor((4,), epochs=3, random_state=0)).fit(frame, y)
    loaded = nnfit.load(model.save(tmp_path / "t.nnfit"))
    assert isinstance(loaded, nnfit.TabularRegressor) and loaded.target_name_ == "y"
    assert np.array_equal(loaded.predict(frame), model.predict(frame))


def _as_older_file(header, arrays):
    """Strip what files written before the optimizer state and split seed were stored lack."""
    for name in [n for n in arrays if n.startswith("optimizer_")]:
        del arrays[name]
    del header["split_seed"], header["optimizer_steps"], header["sha256"]
    header["sha256"] = digest(header, {k: v for k, v in arrays.items() if k != HEADER})


@pytest.mark.parametrize("random_state", [3, None])
def test_older_files_load_and_recover_or_flag_the_held_out_rows(tmp_path, data, random_state):
    X, y = data
    model = MLPRegressor((4,), epochs=2, validation_fraction=0.25, early_stopping=True,
                         warm_start=True, random_state=random_state).fit(X, y)
    path = model.save(tmp_path / "old.nnfit")
    _rewrite(path, _as_older_file)
    loaded = nnfit.load(path)
    assert np.array_equal(loaded.predict(X), model.predict(X))
    if random_state is not None:  # the split seed is the fit's first draw from random_state
        assert loaded._split_seed == model._split_seed
        loaded.fit(X, y)
    else:
        with pytest.warns(RuntimeWarning, match="predates stored validation splits"):
            loaded.fit(X, y)
    assert loaded.n_iter_ == 4


def test_a_changed_optimizer_is_refused_after_loading_as_before_saving(tmp_path, data):
    X, y = data
    model = MLPRegressor((4,), optimizer="rmsprop", epochs=2, warm_start=True, random_state=0)
    model.fit(X, y).set_params(optimizer="adam")
    fitted = model.predict(X)
    with pytest.raises(ValueError, match="optimizer changed from 'rmsprop' to 'adam'"):
        model.fit(X, y)
    loaded = nnfit.load(model.save(tmp_path / "m.nnfit"))
    assert loaded.optimizer == "adam" and np.array_equal(loaded.predict(X), fitted)
    with pytest.raises(ValueError, match="optimizer changed from 'rmsprop' to 'adam'"):
        loaded.fit(X, y)
    loaded.set_params(optimizer="rmsprop").fit(X, y)  # and continues once it is set back
    model.set_params(optimizer="rmsprop").fit(X, y)
    assert loaded.n_iter_ == 4 and np.array_equal(loaded.network_.theta, model.network_.theta)


def test_a_changed_activation_does_not_change_the_loaded_network(tmp_path, data):
    X, y = data
    model = MLPRegressor((4,), activation="relu", dropout=0.1, epochs=2, random_state=0).fit(X, y)
    fitted = model.predict(X)
    model.set_params(activation="tanh", dropout=0.3)
    loaded = nnfit.load(model.save(tmp_path / "m.nnfit"))
    assert np.array_equal(loaded.predict(X), fitted)
    assert (loaded.activation, loaded.dropout) == ("tanh", 0.3)  # the parameters as they were set


def test_a_class_weight_dict_survives_save_and_load(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = np.where(X[:, 0] > 0.8, "case", "control")
    model = nnfit.MLPClassifier((8,), class_weight={"case": 5, "control": 1.0}, epochs=3,
                                random_state=0).fit(X, y)
    model.save(tmp_path / "w.nnfit")
    loaded = nnfit.load(tmp_path / "w.nnfit")
    assert loaded.class_weight == {"case": 5.0, "control": 1.0}
    for m in (model, loaded):
        m.partial_fit(X, y)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_each_owner_turns_itself_into_file_parts_and_back(data):
    """The estimator gives the model-file floor a header and arrays and rebuilds itself from
    them; the file format adds only its own keys (version, digest, signature)."""
    X, y = data
    model = MLPRegressor((4,), optimizer="rmsprop", epochs=3, random_state=0).fit(X, y)
    header, arrays = model._to_file_parts()
    json.dumps(header)  # plain JSON
    assert not {"format_version", "nnfit_version", "sha256", "hmac_sha256"} & set(header)
    assert {"theta", "x_scale", "optimizer_square_avg"} <= set(arrays)
    loaded = MLPRegressor._from_file_parts(header, arrays)
    assert np.array_equal(loaded.predict(X), model.predict(X))
    for m in (model, loaded):  # the running average came back: a warm start goes on alike
        m.set_params(warm_start=True, epochs=1, early_stopping=False).fit(X, y)
    assert np.array_equal(loaded.network_.theta, model.network_.theta)
    with pytest.raises(ValueError, match="holds a 'MLPRegressor', not a MLPClassifier"):
        MLPClassifier._from_file_parts(header, arrays)


def test_load_knows_every_estimator_the_file_format_names():
    from nnfit._load import KINDS
    from nnfit.modelfile.schema import ESTIMATORS
    assert sorted(KINDS) == sorted(ESTIMATORS)
    assert nnfit.load.__module__ == "nnfit._load"
