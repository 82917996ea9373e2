"""Cluster runs that lose workers, on a real `dask scheduler` and `dask worker` processes that
this module starts on loopback (127.0.0.1, free ports) and kills by PID.

One worker lost in the middle of a run: the run ends with the bits of the serial run (its fits
re-run on the worker left).  Every worker lost: the command stops within ``--worker-timeout``
(plus generous slack for a busy 2-core machine) with a one-line error and a non-zero status.
The workers import nnfit from this checkout (PYTHONPATH), one thread each, no nanny (a nanny
would restart a killed worker).
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold, ParameterGrid, cross_val_score
from threadpoolctl import threadpool_limits

from nnfit import MLPRegressor, islr_lab
from nnfit.course import parallel as _parallel
from nnfit.cli import main

distributed = pytest.importorskip("distributed", reason="the 'dask' extra is not installed")

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 90  # seconds for a scheduler or a worker to come up on a busy machine


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    return env


def _stop(process):
    """End a process this module started (by its PID), and reap it."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


class Loopback:
    """A scheduler on 127.0.0.1 and the worker processes started for the current test."""

    def __init__(self, folder):
        self.folder = folder
        self.workers = {}  # name -> Popen
        file = folder / "scheduler.json"
        self.scheduler = subprocess.Popen(
            [sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", "0",
             "--no-dashboard", "--scheduler-file", str(file)],
            env=_env(), stdout=subprocess.DEVNULL, stderr=open(folder / "scheduler.log", "w"))
        deadline = time.monotonic() + START_TIMEOUT
        while not (file.exists() and file.read_text().strip()):
            assert self.scheduler.poll() is None, (folder / "scheduler.log").read_text()
            assert time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.1)
        self.address = json.loads(file.read_text())["address"]
        assert self.address.startswith("tcp://127.0.0.1:")
        self.client = distributed.Client(self.address, timeout=START_TIMEOUT)

    def start_workers(self, *names):
        for name in names:
            self.workers[name] = subprocess.Popen(
                [sys.executable, "-m", "dask", "worker", self.address, "--name", name,
                 "--nthreads", "1", "--no-nanny", "--host", "127.0.0.1", "--no-dashboard"],
                env=_env(), stdout=subprocess.DEVNULL,
                stderr=open(self.folder / f"{name}.log", "w"))
        alive = sum(process.poll() is None for process in self.workers.values())
        self.client.wait_for_workers(alive, timeout=START_TIMEOUT)

    def address_of(self, name):
        return next(address for address, info in
                    self.client.scheduler_info(n_workers=-1)["workers"].items()
                    if info["name"] == name)

    def kill(self, name):
        os.kill(self.workers[name].pid, signal.SIGKILL)
        self.workers[name].wait(timeout=30)

    def kill_when_busy(self, names, finished):
        """A thread that kills the workers ``names`` by PID as soon as the first of them is
        running a fit, unless ``finished`` (an Event) is set first; ``.killed`` says whether."""
        addresses = [self.address_of(name) for name in names]

        def watch():
            while not finished.is_set():
                processing = self.client.processing(addresses)
                if any(processing.values()):
                    for name in names:
                        self.kill(name)
                    thread.killed = time.monotonic()
                    return
                time.sleep(0.05)

        thread = threading.Thread(target=watch, daemon=True)
        thread.killed = None
        thread.start()
        return thread

    def stop_workers(self):
        for process in self.workers.values():
            _stop(process)
        self.workers.clear()
        deadline = time.monotonic() + 30
        while (self.scheduler.poll() is None and self.client.nthreads()
               and time.monotonic() < deadline):
            time.sleep(0.1)

    def close(self):
        try:
            self.stop_workers()
            self.client.close()
        finally:
            _stop(self.scheduler)


@pytest.fixture(scope="module")
def loopback(tmp_path_factory):
    cluster = Loopback(tmp_path_factory.mktemp("dask"))
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture
def two_workers(loopback):
    try:
        loopback.start_workers("w0", "w1")
        yield loopback
    finally:
        loopback.stop_workers()


@pytest.fixture(scope="module")
def serial_hitters():
    """The Hitters lab with 8 seeds of 1,000 epochs, one fit after the other, 1 BLAS thread."""
    return islr_lab.run_hitters(seeds=8, epochs=1000, n_jobs=1, threads=1)


def test_no_worker_at_all_stops_after_the_wait_with_one_line(loopback, capsys):
    assert not loopback.client.nthreads()
    start = time.monotonic()
    status = main(["hitters", "--quick", "--scheduler", loopback.address,
                   "--worker-timeout", "1"])
    seconds = time.monotonic() - start
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and "Traceback" not in "\n".join(err)
    assert err[0] == (f"nnfit hitters: warning: no Dask worker at {loopback.address}: waiting "
                      "up to 1 s for one to join (--worker-timeout)")
    assert err[-1] == (f"nnfit hitters: error: no Dask worker at {loopback.address} for 1 s, 0 of "
                       f"2 fits done: start workers with `dask worker {loopback.address}` and run "
                       "again, or run without --scheduler")
    assert seconds < 1 + 30  # generous slack: connecting, the split and the lasso come first


def test_hitters_with_a_worker_killed_mid_run_gives_the_serial_results(two_workers, tmp_path,
                                                                       capsys, serial_hitters):
    cluster, serial = two_workers, serial_hitters
    finished = threading.Event()
    with distributed.get_task_stream(cluster.client) as stream:
        killer = cluster.kill_when_busy(["w0"], finished)
        try:
            status = main(["hitters", "--seeds", "8", "--epochs", "1000", "--scheduler",
                           cluster.address, "--json", str(tmp_path / "cluster.json")])
        finally:
            finished.set()
            killer.join(timeout=30)
    assert status == 0 and killer.killed is not None  # w0 died while the run went on
    err = capsys.readouterr().err
    assert "1 Dask worker(s) lost" in err and "the fits they held run again on the 1 left" in err
    assert "Traceback" not in err
    run = json.loads((tmp_path / "cluster.json").read_text())
    assert len(set(serial["network_maes"])) == 8
    for key in ("network_maes", "network_mean", "network_sd", "linear", "lasso", "lasso_alpha"):
        assert run[key] == serial[key], key
    # only the network fits went to the cluster (the lasso's cross-validation ran here)
    assert stream.data and all(task["key"].startswith("_fit_with_threads-") for task in stream.data)


def _small_idx_digits(folder, n_train=3600, n_test=400, seed=0):
    """An MNIST-layout folder of 10 classes of noisy images, each class a faint template."""
    rng = np.random.default_rng(seed)
    templates = 128 + rng.integers(-4, 5, size=(10, 28, 28))
    for stem, n in [("train", n_train), ("t10k", n_test)]:
        labels = rng.integers(0, 10, size=n).astype(np.uint8)
        noise = rng.integers(-127, 128, size=(n, 28, 28))
        images = np.clip(templates[labels] + noise, 0, 255).astype(np.uint8)
        for name, array, code in [(f"{stem}-images-idx3-ubyte", images, 0x08),
                                  (f"{stem}-labels-idx1-ubyte", labels, 0x08)]:
            header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
            (folder / name).write_bytes(header + array.tobytes())
    return folder


def test_mnist_with_a_worker_killed_mid_run_gives_the_serial_table(two_workers, tmp_path,
                                                                    capsys):
    # each fit carries 12 MB of images: over Dask's large-graph warning, which stays quiet
    cluster = two_workers
    data = _small_idx_digits(tmp_path)
    options = ["mnist", "--data-dir", str(data), "--epochs", "2", "--rows", "logistic",
               "--repeats", "2", "--no-progress"]
    runs = {}
    for name, extra in [("serial", ["--threads", "1"]),
                        ("cluster", ["--scheduler", cluster.address])]:
        finished = threading.Event()
        killer = cluster.kill_when_busy(["w1"], finished) if name == "cluster" else None
        try:
            assert main([*options, *extra, "--out", str(tmp_path / name),
                         "--json", str(tmp_path / f"{name}.json")]) == 0
        finally:
            finished.set()
        runs[name] = json.loads((tmp_path / f"{name}.json").read_text())["rows"][0]
    killer.join(timeout=30)
    assert killer.killed is not None
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "1 Dask worker(s) lost" in err[0]
    assert len(set(runs["serial"]["test_errors"])) == 2
    for key in ("test_errors", "test_error", "validation_error", "epochs"):
        assert runs["cluster"][key] == runs["serial"][key], key


def test_a_fit_that_raises_on_a_worker_is_run_three_times_then_reported(two_workers,
                                                                         tmp_path):
    runs = tmp_path / "runs"
    runs.touch()
    task = ((["sh", "-c", f"echo run >> {runs}; exit 3"],), {})  # a command, so no pickled code
    with pytest.raises(subprocess.CalledProcessError, match="non-zero exit status 3"):
        with _parallel.cluster(two_workers.address):
            list(_parallel.map_fits(subprocess.check_call, [task], n_jobs=-1))
    assert runs.read_text().split() == ["run"] * (1 + _parallel.RETRIES)


def test_a_worker_that_joins_within_the_wait_takes_the_fits_over(two_workers, serial_hitters):
    cluster = two_workers
    finished = threading.Event()
    killer = cluster.kill_when_busy(["w0", "w1"], finished)

    def replace():  # a new worker, once both have gone
        killer.join()
        if killer.killed is not None:
            cluster.start_workers("w2")

    joiner = threading.Thread(target=replace, daemon=True)
    joiner.start()
    try:
        # the run says what it saw: no worker for a while (it waits), or, when the new worker
        # joined before it looked, both lost with one left
        with pytest.warns(UserWarning, match="no Dask worker at .*: waiting up to 60 s for one "
                                             "to join|2 Dask worker.s. lost .*on the 1 left"), \
                _parallel.cluster(cluster.address, worker_timeout=60):
            run = islr_lab.run_hitters(seeds=8, epochs=1000, n_jobs=-1, threads=1)
    finally:
        finished.set()
        killer.join(timeout=30)
        joiner.join(timeout=START_TIMEOUT)
    assert killer.killed is not None and cluster.workers["w2"].poll() is None
    for key in ("network_maes", "network_mean", "linear", "lasso", "lasso_alpha"):
        assert run[key] == serial_hitters[key], key


def test_the_guide_s_search_recipe_survives_a_lost_worker_with_grid_search_s_scores(
        two_workers):
    cluster = two_workers
    X, _, y, _ = islr_lab.hitters_split()
    base = MLPRegressor(hidden_layer_sizes=(8,), epochs=300, batch_size=32, random_state=0)
    grid = {"hidden_layer_sizes": [(4,), (16,)], "dropout": [0.0, 0.3]}
    with threadpool_limits(limits=1, user_api="blas"):
        serial = GridSearchCV(base, grid, cv=KFold(3), scoring="neg_mean_absolute_error").fit(X, y)
    # the recipe of docs/guide/parallel.md, "A search that survives lost workers"
    points = list(ParameterGrid(grid))
    tasks = [((clone(base).set_params(**p), X, y),
              {"cv": KFold(3), "scoring": "neg_mean_absolute_error"}) for p in points]
    finished = threading.Event()
    killer = cluster.kill_when_busy(["w1"], finished)
    try:
        with pytest.warns(UserWarning, match=r"1 Dask worker\(s\) lost .*: the fits they held run "
                                             r"again on the 1 left"), \
                _parallel.cluster(cluster.address, worker_timeout=30):
            scores = list(_parallel.map_fits(cross_val_score, tasks, n_jobs=-1, threads=1))
    finally:
        finished.set()
        killer.join(timeout=30)
    assert killer.killed is not None
    best = max(range(len(points)), key=lambda i: scores[i].mean())
    assert points[best] == serial.best_params_
    for i, p in enumerate(points):
        assert serial.cv_results_["params"][i] == p
        for fold in range(3):
            assert scores[i][fold] == serial.cv_results_[f"split{fold}_test_score"][i]


def test_every_worker_killed_mid_run_ends_the_command_within_the_wait(two_workers, tmp_path):
    cluster = two_workers
    finished = threading.Event()
    killer = cluster.kill_when_busy(["w0", "w1"], finished)
    command = [sys.executable, "-m", "nnfit", "hitters", "--seeds", "8", "--epochs", "1000",
               "--scheduler", cluster.address, "--worker-timeout", "3"]
    try:
        result = subprocess.run(command, env=_env(), cwd=tmp_path, capture_output=True,
                                text=True, timeout=300)
        ended = time.monotonic()
    finally:
        finished.set()
        killer.join(timeout=30)
    assert killer.killed is not None
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert lines[-2] == (f"nnfit hitters: warning: no Dask worker at {cluster.address}: waiting "
                         "up to 3 s for one to join (--worker-timeout)")
    assert lines[-1].startswith(f"nnfit hitters: error: no Dask worker at {cluster.address} "
                                "for 3 s, ")
    assert " of 8 fits done: start workers with `dask worker " in lines[-1]
    assert ended - killer.killed < 3 + 30  # the bound, with generous slack for a busy machine


# --- options and the GPU rule (no cluster needed) -------------------------------------------

@pytest.mark.parametrize("value, message", [("0", "give a number of seconds > 0"),
                                            ("-1", "give a number of seconds > 0"),
                                            ("inf", "give a number of seconds > 0"),
                                            ("soon", "'soon' is not a number of seconds")])
def test_bad_worker_timeouts_are_refused(capsys, value, message):
    with pytest.raises(SystemExit) as stop:
        main(["hitters", "--worker-timeout", value])
    assert stop.value.code == 2 and message in capsys.readouterr().err


def test_worker_timeout_without_a_scheduler_is_refused(capsys):
    assert main(["hitters", "--quick", "--worker-timeout", "5"]) == 2
    assert "give --scheduler too" in capsys.readouterr().err


@pytest.mark.parametrize("device", ["cuda", "cuda:1", "mps"])
def test_several_local_workers_on_one_gpu_are_refused(device, capsys, tmp_path):
    status = main(["mnist", "--quick", "--device", device, "--jobs", "2",
                   "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2
    assert f"--jobs 2 with --device {device} would have every worker process open the GPU" in err
    assert not (tmp_path / "out").exists()


def test_gpu_workers_with_several_threads_are_refused():
    from nnfit.cli import mnist

    class Client:
        def nthreads(self):
            return {"tcp://10.0.0.7:4001": 1, "tcp://10.0.0.8:4001": 4}

    class Args:
        device, scheduler = "cuda", "tcp://10.0.0.5:8786"

    with pytest.raises(ValueError, match=r"worker tcp://10.0.0.8:4001 runs 4 threads, which "
                                         r"would fit as many networks on its GPU at once: start "
                                         r"one worker per GPU, each with --nthreads 1"):
        mnist._check_one_thread_per_gpu_worker(Client(), Args())
    Client.nthreads = lambda self: {"tcp://10.0.0.7:4001": 1}
    mnist._check_one_thread_per_gpu_worker(Client(), Args())  # one thread each: fine


def test_a_lost_scheduler_ends_the_command_with_one_line(tmp_path):
    cluster = Loopback(tmp_path)  # a scheduler of its own, since this test kills it
    try:
        cluster.start_workers("w0")
        worker = cluster.address_of("w0")
        command = subprocess.Popen(
            [sys.executable, "-m", "nnfit", "hitters", "--seeds", "8", "--epochs", "1000",
             "--scheduler", cluster.address], env=_env(), cwd=tmp_path,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not cluster.client.processing([worker])[worker]:
                assert command.poll() is None and time.monotonic() < deadline, command.stderr.read()
                time.sleep(0.05)
            _stop(cluster.scheduler)
            _, err = command.communicate(timeout=120)
        finally:
            _stop(command)
    finally:
        cluster.close()
    assert command.returncode == 2 and "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"nnfit hitters: error: lost the connection to the Dask scheduler at {cluster.address} "
        "after ")
    assert lines[0].endswith(" of 8 fits: check that it still runs, and run the command again")
