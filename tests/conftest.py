"""Fixtures shared by several test files."""
import numpy as np
import pytest


@pytest.fixture(scope="session")
def blobs():
    """Three classes of 300 points in the plane around (0, 0), (3, 3) and (0, 4)."""
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [3, 3], [0, 4]])
    y = rng.integers(3, size=300)
    return centres[y] + rng.normal(size=(300, 2)), y
