"""The labs as shipped files and the ``nnfit lab`` command; the Default data of lab 5.

The labs are executed by the documentation build (tests/test_docs.py), not again here.
"""
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from nnfit.cli import main
from nnfit.cli.lab import notebook_text
from nnfit.datasets import _islr, load_default
from nnfit.labs import LAB_DIR, LABS, lab_path

ROOT = Path(__file__).resolve().parents[1]


def test_seven_labs_in_course_order():
    assert list(LABS) == ["hidden_layer", "gradient_descent", "regularization", "mnist",
                          "default", "own_data", "survival"]
    assert sorted(p.stem for p in LAB_DIR.glob("*.md")) == sorted(LABS)


@pytest.mark.parametrize("name", list(LABS))
def test_lab_source(name):
    text = lab_path(name).read_text(encoding="utf-8")
    assert text.startswith("---\njupytext:") and "format_name: myst" in text
    assert "kernelspec:" in text and "name: python3" in text
    assert text.count("```{code-cell} ipython3") >= 5
    assert re.search(r"^assert ", text, re.MULTILINE), "a lab asserts its key facts"
    exercises = text.split("## Exercises", 1)
    assert len(exercises) == 2 and len(re.findall(r"^\d\. ", exercises[1], re.MULTILINE)) >= 3


@pytest.mark.parametrize("name", list(LABS))
def test_every_exercise_has_a_worked_solution_that_checks_itself(name):
    """Under each exercise: a collapsed "Solution N" in words, then a collapsed code cell that
    computes the answer and asserts it (executed with the lab by the site build)."""
    exercises = lab_path(name).read_text(encoding="utf-8").split("## Exercises", 1)[1]
    parts = re.split(r"^\d\. ", exercises, flags=re.MULTILINE)[1:]
    assert len(parts) == 4
    for number, part in enumerate(parts, 1):
        assert f'<details class="solution"><summary>Solution {number}</summary>' in part
        assert part.count("</details>") == 1
        cell = re.search(r"```\{code-cell\} ipython3\n---\ntags: \[hide-cell\]\njupyter:\n"
                         r"  source_hidden: true\n  outputs_hidden: true\n---\n(.*?)^```", part,
                         re.MULTILINE | re.DOTALL)
        assert cell, f"{name}: exercise {number} has no collapsed solution cell"
        assert re.search(r"^assert ", cell.group(1), re.MULTILINE), f"{name}: solution {number}"


def test_solution_cells_open_collapsed_in_jupyter():
    notebook = nbformat.reads(notebook_text(lab_path("mnist")), as_version=4)
    hidden = [cell for cell in notebook.cells if cell.cell_type == "code"
              and cell.metadata.get("jupyter", {}).get("source_hidden")]
    assert len(hidden) == 4
    assert all("hide-cell" in cell.metadata.tags for cell in hidden)
    assert all(cell.metadata.jupyter.outputs_hidden for cell in hidden)


@pytest.mark.parametrize("name", list(LABS))
def test_site_uses_the_shipped_lab(name):
    page = ROOT / "docs" / "labs" / f"{name}.md"
    assert page.is_symlink() and page.resolve() == lab_path(name).resolve()


def test_labs_are_package_data():
    assert '"nnfit.labs" = ["*.md"]' in (ROOT / "pyproject.toml").read_text()


def test_lab_path_by_name_or_number():
    assert lab_path("mnist") == lab_path(4) == lab_path("4") == LAB_DIR / "mnist.md"
    for bad in ["lab8", 0, 8, ""]:
        with pytest.raises(ValueError, match="nnfit lab --list"):
            lab_path(bad)


def test_lab_list(capsys):
    assert main(["lab", "--list"]) == 0
    out = capsys.readouterr().out
    for number, name in enumerate(LABS, 1):
        assert re.search(rf"^{number}\s+{name}\s", out, re.MULTILINE)


def test_lab_writes_notebook_and_keeps_student_work(tmp_path, capsys):
    folder = tmp_path / "new" / "labs"
    assert main(["lab", "2", "--out", str(folder)]) == 0
    notebook_path = folder / "gradient_descent.ipynb"
    notebook = nbformat.read(notebook_path, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3" and "jupytext" not in notebook.metadata
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert any("gradient_descent(start)" in source for source in code)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")

    notebook_path.write_text("my work")
    assert main(["lab", "gradient_descent", "--out", str(folder)]) == 2
    assert "--force" in capsys.readouterr().err
    assert notebook_path.read_text() == "my work"
    assert main(["lab", "gradient_descent", "--out", str(folder), "--force"]) == 0
    nbformat.validate(nbformat.read(notebook_path, as_version=4))
    assert [p.name for p in folder.iterdir()] == ["gradient_descent.ipynb"]  # no temporary left


def _extras():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]


def _names(requirements):
    return {re.match(r"[A-Za-z0-9_.-]+", r).group(0).lower() for r in requirements}


def test_extras_labs_opens_notebooks_and_test_pulls_no_gpu_framework():
    extras = _extras()
    assert {"jupytext", "jupyterlab", "ipykernel"} <= _names(extras["labs"])
    assert not {"torch", "jax", "jaxlib", "tensorflow"} & _names(extras["test"])
    for extra in ("test", "docs"):   # the site's formulas need no network
        assert "sphinx-mathjax-offline" in _names(extras[extra])
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"pip install -q '\.\[test,torch\]'", ci), "CI runs the torch tests too"


def test_lab_hint_is_a_command_that_works(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "my labs"
    monkeypatch.setattr(shutil, "which", lambda name: f"/bin/{name}")
    assert main(["lab", "mnist", "--out", str(folder)]) == 0
    hint = capsys.readouterr().out.split("open it with: ", 1)[1].strip()
    assert shlex.split(hint) == ["jupyter", "lab", str(folder / "mnist.ipynb")]
    monkeypatch.setattr(shutil, "which", lambda name: None)   # no JupyterLab installed
    assert main(["lab", "mnist", "--out", str(folder), "--force"]) == 0
    assert "pip install 'nnfit[labs]', then jupyter lab" in capsys.readouterr().out


def test_jupyter_lab_command_runs_where_the_labs_extra_is_installed():
    pytest.importorskip("jupyterlab")
    jupyter = Path(sys.executable).with_name("jupyter-lab")
    assert jupyter.is_file(), "the jupyterlab package installs the jupyter-lab command"
    result = subprocess.run([str(jupyter), "--version"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and re.match(r"\d+\.", result.stdout)


def test_importing_nnfit_in_a_notebook_prints_no_tqdm_warning(monkeypatch):
    """Without ipywidgets, tqdm.auto's 'IProgress not found' warning showed in every lab."""
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import nnfit\nnnfit.MLPRegressor(epochs=2, verbose=1, random_state=0)"
        ".fit([[0.0], [1.0], [2.0]], [0.0, 1.0, 2.0]); print(nnfit.__file__)")])
    nbclient.NotebookClient(notebook, kernel_name="python3", timeout=120).execute()
    outputs = notebook.cells[0].outputs
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert str(ROOT / "nnfit") in printed
    assert "IProgress" not in printed and "TqdmWarning" not in printed, printed


def test_lab_errors(tmp_path, capsys):
    assert main(["lab"]) == 2
    assert "nnfit lab --list" in capsys.readouterr().err
    assert main(["lab", "nope", "--out", str(tmp_path)]) == 2
    assert "no lab named 'nope'" in capsys.readouterr().err
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    assert main(["lab", "mnist", "--out", str(a_file)]) == 2
    assert "is a file" in capsys.readouterr().err


def test_load_default():
    default = load_default()
    assert default.data.shape == (10_000, 3)
    assert list(default.data.columns) == default.feature_names == ["student", "balance", "income"]
    assert int((default.target == "Yes").sum()) == 333
    assert set(default.target) == {"Yes", "No"}
    assert int(default.data["student"].sum()) == int((default.frame["student"] == "Yes").sum())
    assert np.all(default.data.dtypes == np.float64)
    assert "BSD" in default.DESCR


def test_load_default_refuses_a_changed_file(tmp_path, monkeypatch):
    for name in ("Default.csv", "SHA256SUMS"):
        shutil.copy(_islr.ISLR_DIR / name, tmp_path / name)
    with open(tmp_path / "Default.csv", "a") as file:
        file.write("No,No,1.0,1.0\n")
    monkeypatch.setattr(_islr, "ISLR_DIR", tmp_path)
    with pytest.raises(ValueError, match="SHA-256"):
        load_default()
