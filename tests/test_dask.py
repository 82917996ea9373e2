"""The same fits on a real Dask cluster (a LocalCluster of 2 worker processes, loopback only),
through joblib's Dask backend or nnfit's own ``--scheduler``, give the bits of a serial run with
one BLAS thread per fit.  Lost workers and schedulers: ``test_dask_faults.py``."""
import json
import os
import sys

import joblib
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV
from threadpoolctl import threadpool_info, threadpool_limits

from nnfit import MLPRegressor, islr_lab
from nnfit.course import parallel as _parallel
from nnfit.cli import main

distributed = pytest.importorskip("distributed", reason="the 'dask' extra is not installed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, host="127.0.0.1") as local:
        with distributed.Client(local) as client:
            yield local, client


def test_fits_run_in_the_cluster_workers_under_the_blas_limit(cluster):
    # library functions only: the workers cannot import this test module
    local, client = cluster
    with joblib.parallel_config(backend="dask"):
        pids = set(_parallel.map_fits(os.getpid, [((), {})] * 6, n_jobs=-1))
        infos = list(_parallel.map_fits(threadpool_info, [((), {})] * 4, n_jobs=-1, threads=1))
    assert pids <= set(client.run(os.getpid).values()) and os.getpid() not in pids
    assert all({i["num_threads"] for i in info if i["user_api"] == "blas"} == {1}
               for info in infos)


def test_grid_search_on_the_cluster_equals_the_serial_search(cluster):
    X, X_test, y, _ = islr_lab.hitters_split()
    search = GridSearchCV(MLPRegressor(epochs=15, batch_size=32, random_state=0),
                          {"hidden_layer_sizes": [(4,), (16,)], "dropout": [0.0, 0.3]}, cv=3,
                          scoring="neg_mean_absolute_error")
    with threadpool_limits(limits=1, user_api="blas"):
        serial = search.set_params(n_jobs=1).fit(X, y)
        scores = serial.cv_results_["split0_test_score"].copy()
        predicted = serial.predict(X_test)
    with joblib.parallel_config(backend="dask"), distributed.get_task_stream(cluster[1]) as tasks:
        on_cluster = search.set_params(n_jobs=-1).fit(X, y)
    assert len(tasks.data) >= 12  # the 4 x 3 fits ran on the cluster
    assert len(set(scores)) == 4
    assert np.array_equal(on_cluster.cv_results_["split0_test_score"], scores)
    assert np.array_equal(on_cluster.predict(X_test), predicted)


def test_hitters_seeds_through_the_scheduler_option_equal_the_serial_run(cluster, tmp_path, capsys):
    local, _ = cluster
    runs = {}
    for name, options in [("serial", ["--threads", "1"]),
                          ("cluster", ["--scheduler", local.scheduler_address])]:
        path = tmp_path / f"{name}.json"
        assert main(["hitters", "--seeds", "4", "--epochs", "25", *options,
                     "--json", str(path)]) == 0
        runs[name] = json.loads(path.read_text())
    assert runs["cluster"]["parallel"] == {"jobs": -1, "blas_threads": 1,
                                           "scheduler": local.scheduler_address}
    assert len(set(runs["serial"]["network_maes"])) == 4
    assert runs["cluster"]["network_maes"] == runs["serial"]["network_maes"]
    assert runs["cluster"]["network_mean"] == runs["serial"]["network_mean"]


def test_scheduler_with_jobs_is_refused(cluster, capsys):
    local, _ = cluster
    assert main(["hitters", "--quick", "--jobs", "2", "--scheduler", local.scheduler_address]) == 2
    assert "leave out --jobs" in capsys.readouterr().err


def test_workers_without_nnfit_are_a_clear_error(cluster):
    local, _ = cluster
    with pytest.raises(ValueError, match="cannot import nnfit.estimators.regressor: install nnfit"):
        with _parallel.cluster(local.scheduler_address):
            raise ModuleNotFoundError("No module named 'nnfit'", name="nnfit.estimators.regressor")
    with pytest.raises(ModuleNotFoundError, match="torch"):  # not ours: passed on as it is
        with _parallel.cluster(local.scheduler_address):
            raise ModuleNotFoundError("No module named 'torch'", name="torch")


def test_unreachable_scheduler_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.setattr(_parallel, "CONNECT_TIMEOUT", 1)
    assert main(["hitters", "--quick", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert "no Dask scheduler answered at tcp://127.0.0.1:9 within 1 s" in err


def test_scheduler_without_dask_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed now fails
    assert main(["hitters", "--quick", "--scheduler", "tcp://127.0.0.1:8786"]) == 2
    assert "pip install 'nnfit[dask]'" in capsys.readouterr().err
