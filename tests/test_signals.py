"""Ctrl-C at the worst moments (issue 11, item 7), each a real SIGINT sent by a child Python to
itself at a controlled point: while numba is first imported, and in the middle of a save."""
import os
import subprocess
import sys
import textwrap

import pytest

from nnfit.backends import kernels as _fused

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_child(code, tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), str(tmp_path)], env=env,
                          capture_output=True, text=True, timeout=240)


@pytest.mark.skipif(not _fused.KERNELS, reason="numba is not installed")
def test_ctrl_c_while_numba_loads_leaves_later_fits_working(tmp_path):
    # before: every later fit failed with "module 'numba' has no attribute 'core'"
    done = run_child("""
        import importlib.abc, os, signal, sys, warnings

        class CtrlC(importlib.abc.MetaPathFinder):  # SIGINT when numba imports numba.core.typing
            fired = False
            def find_spec(self, name, path, target=None):
                if name == "numba.core.typing" and not CtrlC.fired:
                    CtrlC.fired = True
                    os.kill(os.getpid(), signal.SIGINT)
                return None

        sys.meta_path.insert(0, CtrlC())
        import numpy as np
        from nnfit import MLPRegressor
        from nnfit.backends.numpy_backend import default_backend
        X = np.random.default_rng(0).normal(size=(50, 3))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            first = MLPRegressor((4,), epochs=3, random_state=0).fit(X, X[:, 0])
        assert CtrlC.fired and first.interrupted_, (CtrlC.fired, first.interrupted_)
        assert any("interrupted" in str(w.message) for w in caught)
        second = MLPRegressor((4,), epochs=3, random_state=0).fit(X, X[:, 0])
        assert second.n_iter_ == 3 and not second.interrupted_
        assert default_backend.fused("adam") is not None  # numba itself works afterwards
        print("ok")
    """, tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_ctrl_c_during_save_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    done = run_child("""
        import os, signal, sys
        from pathlib import Path
        import numpy as np
        import numpy.lib.format
        from nnfit import MLPRegressor
        folder = Path(sys.argv[1])
        X = np.random.default_rng(0).normal(size=(50, 3))
        model = MLPRegressor((4,), epochs=2, random_state=0).fit(X, X[:, 0])
        model.save(folder / "m.nnfit")
        (folder / "before").write_bytes((folder / "m.nnfit").read_bytes())
        write_array, calls = numpy.lib.format.write_array, []

        def interrupted_write(*args, **kwargs):  # SIGINT after the first array is written
            calls.append(1)
            if len(calls) == 2:
                os.kill(os.getpid(), signal.SIGINT)
            return write_array(*args, **kwargs)

        numpy.lib.format.write_array = interrupted_write
        model.set_params(warm_start=True).fit(X, X[:, 0])  # a different model to save
        model.save(folder / "m.nnfit")
        print("not interrupted")
    """, tmp_path)
    assert done.returncode != 0 and "not interrupted" not in done.stdout
    assert done.stderr.count("Traceback") == 1, done.stderr
    assert "During handling" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == "KeyboardInterrupt"
    assert (tmp_path / "m.nnfit").read_bytes() == (tmp_path / "before").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["before", "m.nnfit"]


# the nnfit command and Ctrl-C (issue 26): one line, status 130, no traceback, no report
START = """
import os, signal, sys
folder = sys.argv[1]
sys.argv = [os.path.join(os.path.dirname(sys.executable), "nnfit"), *WORDS]
"""
RUN = """
from nnfit.cli import main  # what the nnfit console script runs
sys.exit(main())
"""
CTRL_C_IN_BATCH = """
    import nnfit.engine.training as training
    original, count = training.minibatches, [0]

    def minibatches(*args, **kwargs):  # SIGINT while the fit takes minibatch BATCH
        for batch in original(*args, **kwargs):
            count[0] += 1
            if count[0] == BATCH:
                os.kill(os.getpid(), signal.SIGINT)
            yield batch

    training.minibatches = minibatches
"""


def run_command(words, setup, tmp_path, **names):
    """``nnfit WORDS`` in a child Python, as its console script runs it, after ``setup``."""
    code = START.replace("WORDS", repr(words)) + textwrap.dedent(setup) + RUN
    for name, value in names.items():
        code = code.replace(name, repr(value))
    return run_child(code, tmp_path)


def test_ctrl_c_while_the_command_imports_its_libraries(tmp_path):
    # before: a traceback from inside scikit-learn's import, and death by SIGINT
    done = run_command(["fit", "data.csv", "--target", "y"], """
        import importlib.abc

        class CtrlC(importlib.abc.MetaPathFinder):  # SIGINT when scikit-learn is imported
            def find_spec(self, name, path, target=None):
                if name == "sklearn":
                    os.kill(os.getpid(), signal.SIGINT)
                return None

        sys.meta_path.insert(0, CtrlC())
    """, tmp_path)
    assert done.returncode == 130 and done.stdout == "", done.stderr[-2000:]
    assert done.stderr == "nnfit fit: interrupted (Ctrl-C) while starting; no file was written\n"


@pytest.mark.parametrize("batch", [2, 50])  # in the first epoch (38 batches), in the second
def test_ctrl_c_in_nnfit_mnist_reports_nothing(tmp_path, batch):
    # before: in the first epoch KeyError: 'epoch' (a traceback); in the second the report of
    # a 1-epoch run, written to --out, and status 0
    out = str(tmp_path / "report")
    done = run_command(["mnist", "--quick", "--rows", "logistic", "--epochs", "3",
                        "--no-progress", "--out", out], CTRL_C_IN_BATCH, tmp_path, BATCH=batch)
    assert done.returncode == 130, done.stderr[-2000:]
    assert done.stderr == "nnfit mnist: interrupted (Ctrl-C); no file was written\n"
    assert "test error" not in done.stdout and "| method" not in done.stdout
    assert not os.path.exists(out)


def test_ctrl_c_in_the_first_epoch_of_nnfit_fit(tmp_path):
    rows = "\n".join(f"{i % 7},{(i * 3) % 5},{i % 2}" for i in range(400))
    (tmp_path / "data.csv").write_text("a,b,y\n" + rows + "\n")
    model = str(tmp_path / "m.nnfit")
    done = run_command(["fit", str(tmp_path / "data.csv"), "--target", "y", "--epochs", "5",
                        "--batch-size", "32", "--quiet", "--out", model], CTRL_C_IN_BATCH,
                       tmp_path, BATCH=3)
    assert done.returncode == 130, done.stderr[-2000:]
    assert done.stderr == "nnfit fit: interrupted (Ctrl-C); no file was written\n"
    assert "model written" not in done.stdout and not os.path.exists(model)


def test_ctrl_c_in_nnfit_hitters_reports_nothing(tmp_path):
    # before: the lab's table with the interrupted network's test error, and status 0
    done = run_command(["hitters", "--quick"], CTRL_C_IN_BATCH, tmp_path, BATCH=5)
    assert done.returncode == 130, done.stderr[-2000:]
    assert done.stderr == "nnfit hitters: interrupted (Ctrl-C); no file was written\n"
    assert "test MAE" not in done.stdout
