"""Packaging facts: the code's licence and the bundled data's own licences are in the metadata."""
from importlib.resources import files
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_licences_are_stated_and_shipped():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'license = "BSD-3-Clause AND CC-BY-SA-3.0 AND LicenseRef-ISLP-BSD"' in text
    assert 'license-files = ["LICENSE", "nnfit/datasets/data/*/LICENSE"]' in text
    assert "BSD 3-Clause License" in (ROOT / "LICENSE").read_text()
    data = files("nnfit.datasets") / "data"
    assert "CC BY-SA 3.0" in (data / "mnist" / "LICENSE").read_text()
    assert "BSD licence" in (data / "islr" / "LICENSE").read_text()
