"""bench/scaling.py and bench/augment_epoch.py --quick run end to end and print their tables
(no timing is checked)."""
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "scaling.py"


def test_scaling_quick_prints_the_table_and_writes_the_figure(tmp_path):
    out = tmp_path / "scaling.png"
    run = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--threads", "1",
                          "--systems", "nnfit,sklearn,roofline", "--out", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    rows = [line.split() for line in lines if line.split()[:1] in (["width"], ["batch"], ["rows"], ["tabular"])]
    assert [r[0] for r in rows] == ["width", "batch", "rows", "tabular"]
    for r in rows:
        numbers = [float(x) for x in r if x.replace(".", "", 1).isdigit()]
        assert all(x > 0 for x in numbers) and len(numbers) >= 3, r  # nnfit, sklearn, roofline
    assert any(line.startswith("steps/s, 19-50-1 batch 32: nnfit") for line in lines)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_scaling_refuses_an_output_that_is_not_a_png(tmp_path):
    target = tmp_path / "data.csv"
    target.write_text("keep me")
    run = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--out", str(target)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode != 0 and "--out" in run.stderr
    assert target.read_text() == "keep me"


def test_augment_epoch_quick_splits_the_rows_epoch():
    script = SCRIPT.parent / "augment_epoch.py"
    run = subprocess.run([sys.executable, str(script), "--quick", "--epochs", "1"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    parts = {line.split()[0]: float(line.split()[1]) for line in run.stdout.splitlines()
             if line.startswith("  ")}
    assert set(parts) == {"distortions", "steps", "validation", "roofline", "row"}
    assert all(seconds > 0 for seconds in parts.values())
    assert "784-64-64-10, 4,800 images an epoch" in run.stdout


def test_wide_table_runs_nnfit_fit_and_prints_its_seconds():
    script = SCRIPT.parent / "wide_table.py"
    run = subprocess.run([sys.executable, str(script), "--columns", "2000"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("table: 30 rows x 2,000 columns + label")
    assert "model written to" in run.stdout
    assert lines[-1].startswith("nnfit fit: ") and "for 30 x 2,000" in lines[-1]


def test_defaults_quick_prints_a_score_per_model_and_table():
    script = SCRIPT.parent / "defaults.py"
    run = subprocess.run([sys.executable, str(script), "--quick"], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[1].split()[4:8] == ["nnfit", "sk-MLP", "linear", "HGB"]
    rows = {line.split()[0]: line.split() for line in lines[2:]}
    assert set(rows) == {"hitters", "khan", "wine"}
    for name, row in rows.items():
        scores = [float(x) for x in row[4:8]]
        assert all(-10 < s <= 1 for s in scores), row  # R^2 or accuracy of each model
        assert rows[name][3] == ("R^2" if name == "hitters" else "accuracy")
    assert 0 < float(rows["wine"][8]) < 2  # nnfit / sk-MLP


def test_survival_quick_compares_the_network_with_linear_cox():
    pytest.importorskip("sksurv")
    script = SCRIPT.parent / "survival.py"
    run = subprocess.run([sys.executable, str(script), "--quick", "--models", "km,cox,nnfit"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "nnfit - cox" in run.stdout and "worst table" in run.stdout
    means = [line.split() for line in run.stdout.splitlines() if line.startswith("mean ")]
    c_km, c_cox, c_nnfit = (float(x) for x in means[0][1:4])
    assert c_km == 0.5 and 0.5 < c_cox < 0.9 and 0.4 < c_nnfit < 0.9  # 20 epochs: a smoke test


def test_cox_epoch_prints_each_loss_against_squared_error():
    pytest.importorskip("sksurv")
    script = SCRIPT.parent / "cox_epoch.py"
    run = subprocess.run([sys.executable, str(script), "--rows", "500", "--epochs", "3"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    rows = {line[:16].strip(): line[16:].split() for line in run.stdout.splitlines()[2:]}
    assert set(rows) == {"squared error", "Cox (Efron)", "Poisson"}
    assert rows["squared error"][1] == rows["squared error"][3] == "1.00"
    assert all(float(v) > 0 for row in rows.values() for v in row)


def test_gil_free_blocks_prints_each_product_of_a_step():
    """The blocks on numba's threads through SciPy's BLAS write the product (the script checks
    each against float64 NumPy) and the table has every product of a step and their sum."""
    pytest.importorskip("numba")
    script = SCRIPT.parent / "gil_free_blocks.py"
    run = subprocess.run([sys.executable, str(script), "--calls", "3", "--rounds", "1"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("product (m k n)"))
    rows = lines[start + 1:start + 10]
    assert len(rows) == 9 and rows[-1].startswith("a step")
    assert all(len(row[32:].split()) == 4 and all(float(v) > 0 for v in row[32:].split())
               for row in rows)
    assert "compiled blocks / numpy auto:" in run.stdout
