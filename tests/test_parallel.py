"""Independent fits in parallel (joblib processes) give the bits of a serial run.

Float32 matrix products sum in an order that depends on the BLAS thread count, so every
comparison runs the serial side and the parallel side with one BLAS thread per fit.
"""
import json
import pickle

import joblib
import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import nnfit
from nnfit import MLPClassifier, MLPRegressor, islr_lab
from nnfit.course import parallel as _parallel
from nnfit.cli import main

SMALL = dict(hidden_layer_sizes=(8,), epochs=15, batch_size=32, random_state=0)


@pytest.fixture(scope="module")
def hitters():
    X_train, X_test, y_train, y_test = islr_lab.hitters_split()
    return X_train, y_train, X_test


def _blas_threads():
    return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


def test_plan_workers_and_threads_never_exceed_the_cores():
    assert _parallel.plan(None, None, cores=8) == (1, None)  # serial: the library's own choice
    assert _parallel.plan(2, None, cores=8) == (2, 4)
    assert _parallel.plan(-1, None, cores=8) == (8, 1)
    assert _parallel.plan(3, None, cores=8) == (3, 2)
    assert _parallel.plan(2, 4, cores=8) == (2, 4)
    with pytest.raises(ValueError, match="2 workers x 3 BLAS threads = 6 threads on 4 cores"):
        _parallel.plan(2, 3, cores=4)
    with pytest.raises(ValueError, match="5 workers x 1 BLAS threads = 5 threads on 4 cores"):
        _parallel.plan(5, None, cores=4)
    # on a cluster the workers are the cluster's, one BLAS thread each unless told
    assert _parallel.plan(None, None, scheduler="tcp://h:8786") == (-1, 1)
    assert _parallel.plan(None, 2, scheduler="tcp://h:8786") == (-1, 2)
    with pytest.raises(ValueError, match="leave out --jobs"):
        _parallel.plan(2, None, scheduler="tcp://h:8786")


@pytest.mark.parametrize("value, message", [("0", "give a number of workers >= 1, or -1"),
                                            ("-2", "give a number of workers >= 1, or -1"),
                                            ("two", "'two' is not a whole number")])
def test_bad_jobs_are_refused_by_the_command_line(capsys, value, message):
    with pytest.raises(SystemExit) as stop:
        main(["hitters", "--jobs", value])
    assert stop.value.code == 2 and message in capsys.readouterr().err


def test_too_many_threads_is_a_clear_error(capsys):
    cores = joblib.cpu_count()
    assert main(["hitters", "--quick", "--jobs", "1", "--threads", str(cores + 1)]) == 2
    assert f"{cores + 1} BLAS threads" in capsys.readouterr().err


def test_each_worker_fits_under_its_blas_limit_and_results_keep_task_order():
    if joblib.cpu_count() < 2:
        pytest.skip("one core: OpenBLAS would not start 2 threads")
    tasks = [((), {}) for _ in range(3)]
    with joblib.parallel_config(backend="loky", inner_max_num_threads=2):  # workers start with 2
        before = list(_parallel.map_fits(_blas_threads, tasks, n_jobs=2, threads=None))
        seen = list(_parallel.map_fits(_blas_threads, tasks, n_jobs=2, threads=1))
    assert before == [{2}] * 3 and seen == [{1}] * 3
    squares = _parallel.map_fits(pow, [((k, 2), {}) for k in range(6)], n_jobs=2, threads=1)
    assert list(squares) == [0, 1, 4, 9, 16, 25]


def test_hitters_seeds_in_two_processes_equal_the_serial_run_bit_for_bit(tmp_path):
    if joblib.cpu_count() < 2:
        pytest.skip("one core: --jobs 2 --threads 1 would exceed it")
    runs = {}
    for jobs in ("1", "2"):
        path = tmp_path / f"jobs{jobs}.json"
        assert main(["hitters", "--seeds", "3", "--epochs", "25", "--jobs", jobs, "--threads", "1",
                     "--json", str(path)]) == 0
        runs[jobs] = json.loads(path.read_text())
    assert runs["2"]["parallel"] == {"jobs": 2, "blas_threads": 1, "scheduler": None}
    maes = runs["1"]["network_maes"]
    assert len(set(maes)) == 3  # three seeds, three different fits
    assert runs["2"]["network_maes"] == maes
    for key in ("network_mean", "network_sd", "linear", "lasso"):
        assert runs["2"][key] == runs["1"][key]


def test_khan_two_models_in_two_processes_equal_the_serial_run():
    serial = islr_lab.run_khan(epochs=5, n_jobs=1, threads=1)
    parallel = islr_lab.run_khan(epochs=5, n_jobs=2, threads=1)
    for key in ("logistic", "network"):
        assert parallel[f"{key}_test_errors"] == serial[f"{key}_test_errors"]
        assert parallel[f"{key}_train_errors"] == serial[f"{key}_train_errors"]
    assert serial["network_params"]["lasso"] > 0 and serial["logistic_params"]["lasso"] == 0


def test_mnist_rows_and_repeats_in_two_processes_equal_the_serial_run(tmp_path):
    if joblib.cpu_count() < 2:
        pytest.skip("one core: --jobs 2 --threads 1 would exceed it")
    rows = {}
    for jobs in ("1", "2"):
        report = tmp_path / f"jobs{jobs}.json"
        assert main(["mnist", "--quick", "--epochs", "1", "--rows", "logistic,lda", "--repeats",
                     "2", "--jobs", jobs, "--threads", "1", "--no-progress",
                     "--out", str(tmp_path / f"out{jobs}"), "--json", str(report)]) == 0
        rows[jobs] = json.loads(report.read_text())["rows"]
    assert len(set(rows["1"][0]["test_errors"])) == 2
    assert [r["test_error"] for r in rows["2"]] == [r["test_error"] for r in rows["1"]]
    assert rows["2"][0]["test_errors"] == rows["1"][0]["test_errors"]
    assert rows["2"][0]["validation_error"] == rows["1"][0]["validation_error"]
    assert (tmp_path / "out2" / "misclassified.png").stat().st_size > 1000  # the model came back


# --- estimators and their fitted state between processes ------------------------------------

def _views_of_theta(model):
    """Every layer's W and b are views of theta, and its dW and db views of grad."""
    network = model.network_
    return (all(np.shares_memory(d.W, network.theta) and np.shares_memory(d.b, network.theta)
                and np.shares_memory(d.dW, network.grad) and np.shares_memory(d.db, network.grad)
                for d in network.dense))


def test_unfitted_estimators_pickle_with_their_parameters():
    for model in (MLPRegressor(**SMALL, dropout=0.2, ridge=[1e-3, 0]), MLPClassifier(**SMALL)):
        copy = pickle.loads(pickle.dumps(model))
        assert copy.get_params() == model.get_params() and not hasattr(copy, "network_")


@pytest.mark.parametrize("optimizer", ["rmsprop", "adam", "sgd"])
def test_a_fitted_estimator_survives_pickle_with_its_flat_buffer_views(hitters, optimizer):
    X, y, X_test = hitters
    model = MLPRegressor(**SMALL, dropout=0.2, optimizer=optimizer).fit(X, y)
    copy = pickle.loads(pickle.dumps(model))
    assert _views_of_theta(copy) and copy.network_.theta is not model.network_.theta
    assert copy._objective.network is copy.network_  # one network, not a copy per holder
    assert np.array_equal(copy.predict(X_test), model.predict(X_test))
    copy.network_.theta[:] = 0  # writing the flat vector reaches every layer's view
    assert all(not w.any() for w in copy.coefs_) and model.coefs_[0].any()
    # the optimizer state and the random generator travel too: a warm start goes on alike
    copy = pickle.loads(pickle.dumps(model))
    for m in (model, copy):
        m.set_params(warm_start=True, epochs=5).fit(X, y)
    assert np.array_equal(copy.network_.theta, model.network_.theta)
    assert _without_times(copy.history_) == _without_times(model.history_)


def test_a_loaded_model_file_pickles_and_travels_to_a_worker(tmp_path, hitters):
    X, y, X_test = hitters
    path = MLPClassifier(**SMALL).fit(X, y > np.median(y)).save(tmp_path / "m.nnfit")
    loaded = nnfit.load(path)
    copy = pickle.loads(pickle.dumps(loaded))
    assert _views_of_theta(copy)
    assert np.array_equal(copy.predict_proba(X_test), loaded.predict_proba(X_test))
    with threadpool_limits(limits=1, user_api="blas"):
        here = loaded.predict_proba(X_test)
    # in another process: the file read there, and the loaded estimator sent there
    there = _parallel.map_fits(_load_and_predict, [((path, None, X_test), {}),
                                                   ((None, loaded, X_test), {})],
                               n_jobs=2, threads=1)
    for proba, views in there:
        assert views and np.array_equal(proba, here)


def _load_and_predict(path, model, X):
    model = nnfit.load(path) if model is None else model
    return model.predict_proba(X), _views_of_theta(model)


def _without_times(history):
    return {key: values for key, values in history.items() if key != "seconds"}


def test_a_model_fitted_on_torch_pickles_with_its_views(hitters):
    pytest.importorskip("torch")
    X, y, X_test = hitters
    model = MLPRegressor(**SMALL, device="torch-cpu").fit(X, y)
    copy = pickle.loads(pickle.dumps(model))
    theta = copy.network_.theta.untyped_storage().data_ptr()
    assert all(d.W.untyped_storage().data_ptr() == theta for d in copy.network_.dense)
    assert theta != model.network_.theta.untyped_storage().data_ptr()
    assert np.array_equal(copy.predict(X_test), model.predict(X_test))
    for m in (model, copy):
        m.set_params(warm_start=True, epochs=3).fit(X, y)
    assert np.array_equal(copy.predict(X_test), model.predict(X_test))
