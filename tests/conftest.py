"""Fixtures shared by several test files."""
import numpy as np
import pytest

from nnfit.backends import threads


@pytest.fixture(scope="session")
def blobs():
    """Three classes of 300 points in the plane around (0, 0), (3, 3) and (0, 4)."""
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [3, 3], [0, 4]])
    y = rng.integers(3, size=300)
    return centres[y] + rng.normal(size=(300, 2)), y


@pytest.fixture
def clean_threads(monkeypatch):
    """No NNFIT_THREADS from the caller's shell, no choice or look left by another test."""
    monkeypatch.delenv(threads.ENV, raising=False)
    monkeypatch.setattr(threads, "_chosen", None)
    monkeypatch.setattr(threads, "_last", None)
    monkeypatch.setattr(threads, "_quota", None)
