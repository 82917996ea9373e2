"""bench/gpu_epoch.py runs as it stands: a tiny --quick run on the CPU prints its table (no
timing is asserted: the numbers are the script's to report, not the test's)."""
import importlib.util
import json
from pathlib import Path

import pytest

pytest.importorskip("torch")
SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "gpu_epoch.py"


def test_quick_cpu_run_prints_the_table(capsys, tmp_path):
    spec = importlib.util.spec_from_file_location("gpu_epoch", SCRIPT)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "bench.json"
    # torch.compile is left out: its C++ build takes a minute and more on a small CPU
    assert bench.main(["--device", "cpu", "--quick", "--threads", "1", "--json", str(out),
                       "--systems", "nnfit-eager,nnfit-graph,torch-eager,jax-scan"]) == 0
    text = capsys.readouterr().out
    assert "(2 epochs of 2,000 images, batch 128)" in text
    assert "nnfit-graph           skipped: CUDA graphs need --device cuda" in text
    results = json.loads(out.read_text())["results"]
    for system in ("nnfit-eager", "torch-eager"):
        assert len(results[system]["seconds"]) == 2
        assert 0 <= results[system]["test_error"] < 0.5  # 2 epochs on 2,000 images: ~11-13 %
        assert f"\n{system} " in text
    assert "seconds" in results["jax-scan"] or "JAX is not installed" in results["jax-scan"]["skipped"]
    assert results["book-dropout-row"]["epochs"] == 2
    assert "book's dropout row on cpu: fitted in" in text
