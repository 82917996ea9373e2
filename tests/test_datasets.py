"""Tests for nnfit.datasets: IDX reading, MNIST lookup/verification, ISLR."""

import gzip
import shutil

import numpy as np
import pytest

from nnfit.datasets import (
    MNIST_CITATION,
    load_hitters,
    load_idx,
    load_khan,
    load_mnist,
    mnist_info,
)
from nnfit.datasets._mnist import FILE_STEMS, SHIPPED_DIR

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


def write_idx(path, array, type_code):
    """Write ``array`` as a (non-gzipped) IDX file with the given type code."""
    header = bytes([0, 0, type_code, array.ndim])
    header += np.asarray(array.shape, dtype=">u4").tobytes()
    path.write_bytes(header + array.astype(array.dtype.newbyteorder(">")).tobytes())


def copy_shipped(dest, *, gunzip=False, with_sums=False):
    """Copy the shipped MNIST files into ``dest``, optionally gunzipped."""
    for stem in FILE_STEMS:
        src = SHIPPED_DIR / (stem + ".gz")
        if gunzip:
            (dest / stem).write_bytes(gzip.decompress(src.read_bytes()))
        else:
            shutil.copyfile(src, dest / src.name)
    if with_sums:
        shutil.copyfile(SHIPPED_DIR / "SHA256SUMS", dest / "SHA256SUMS")
    return dest


# --- shipped MNIST -------------------------------------------------------

def test_mnist_shapes_and_dtypes(mnist):
    X_train, y_train, X_test, y_test = mnist
    assert X_train.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert X_train.dtype == X_test.dtype == np.float32
    assert y_train.dtype == y_test.dtype == np.int64
    assert X_train.min() == 0.0 and X_train.max() == 1.0
    assert X_test.min() >= 0.0 and X_test.max() <= 1.0


def test_mnist_contents(mnist):
    X_train, y_train, _, y_test = mnist
    assert np.bincount(y_train).tolist() == TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == TEST_COUNTS
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert X_train.mean(dtype=np.float64) * 255 == pytest.approx(33.318, abs=1e-3)


def test_mnist_citation():
    assert "LeCun" in mnist_info() and "CC BY-SA 3.0" in MNIST_CITATION


# --- other directories ---------------------------------------------------

def test_data_dir_uncompressed(tmp_path, mnist):
    X_train, y_train, X_test, y_test = load_mnist(copy_shipped(tmp_path, gunzip=True))
    np.testing.assert_array_equal(X_train, mnist[0])
    np.testing.assert_array_equal(y_test, mnist[3])


def test_data_dir_as_string_with_sums(tmp_path, mnist):
    copy_shipped(tmp_path, with_sums=True)
    y_train = load_mnist(str(tmp_path))[1]
    np.testing.assert_array_equal(y_train, mnist[1])


def test_env_var(tmp_path, monkeypatch, mnist):
    monkeypatch.setenv("NNFIT_DATA", str(copy_shipped(tmp_path, gunzip=True)))
    np.testing.assert_array_equal(load_mnist()[3], mnist[3])


def test_env_var_pointing_nowhere(tmp_path, monkeypatch):
    monkeypatch.setenv("NNFIT_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        load_mnist()


def test_missing_file(tmp_path):
    copy_shipped(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError) as info:
        load_mnist(tmp_path)
    assert str(tmp_path) in str(info.value)
    assert "t10k-labels-idx1-ubyte" in str(info.value)


def test_checksum_mismatch(tmp_path):
    copy_shipped(tmp_path, with_sums=True)
    target = tmp_path / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(target.read_bytes())
    data[100] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="t10k-labels-idx1-ubyte.gz"):
        load_mnist(tmp_path)


def test_shipped_copy_corrupted(tmp_path, monkeypatch):
    copy_shipped(tmp_path, with_sums=True)
    target = tmp_path / "train-labels-idx1-ubyte.gz"
    target.write_bytes(target.read_bytes()[:-1] + b"x")
    monkeypatch.setattr("nnfit.datasets._mnist.SHIPPED_DIR", tmp_path)
    with pytest.raises(ValueError, match="train-labels-idx1-ubyte.gz.*reinstall"):
        load_mnist()
    with pytest.raises(ValueError, match="cannot be decompressed"):
        load_mnist(verify=False)


def test_truncated_file(tmp_path):
    copy_shipped(tmp_path, gunzip=True)
    target = tmp_path / "t10k-labels-idx1-ubyte"
    target.write_bytes(target.read_bytes()[:-7])
    with pytest.raises(ValueError, match="t10k-labels-idx1-ubyte.*truncated"):
        load_mnist(tmp_path)


def test_truncated_gzip(tmp_path):
    copy_shipped(tmp_path)
    target = tmp_path / "t10k-labels-idx1-ubyte.gz"
    target.write_bytes(target.read_bytes()[:-100])
    with pytest.raises(ValueError, match="t10k-labels-idx1-ubyte.gz"):
        load_mnist(tmp_path)


def test_label_count_mismatch(tmp_path):
    copy_shipped(tmp_path, gunzip=True)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(5, np.uint8), 0x08)
    with pytest.raises(ValueError, match="5 labels"):
        load_mnist(tmp_path)


def test_wrong_image_shape(tmp_path):
    copy_shipped(tmp_path, gunzip=True)
    write_idx(tmp_path / "t10k-images-idx3-ubyte", np.zeros((3, 4, 4), np.uint8), 0x08)
    with pytest.raises(ValueError, match="28"):
        load_mnist(tmp_path)


# --- load_idx ------------------------------------------------------------

@pytest.mark.parametrize("dtype, code", [
    (np.int32, 0x0C), (np.int16, 0x0B), (np.int8, 0x09),
    (np.float32, 0x0D), (np.float64, 0x0E),
])
def test_idx_round_trip(tmp_path, dtype, code):
    array = ((np.arange(2 * 3 * 5) - 15) * 4).reshape(2, 3, 5).astype(dtype)
    info = np.iinfo(dtype) if np.issubdtype(dtype, np.integer) else np.finfo(dtype)
    array.flat[0], array.flat[-1] = info.min, info.max
    if np.issubdtype(dtype, np.floating):
        array[1] /= 3  # fractions that are not exact in binary
    write_idx(tmp_path / "a.idx", array, code)
    loaded = load_idx(tmp_path / "a.idx")
    assert loaded.dtype == np.dtype(dtype) and loaded.shape == (2, 3, 5)
    np.testing.assert_array_equal(loaded, array)


def test_idx_gzip_detected_by_content(tmp_path):
    array = np.arange(12, dtype=np.int32).reshape(3, 4)
    plain, packed = tmp_path / "plain", tmp_path / "no_extension"
    write_idx(plain, array, 0x0C)
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    np.testing.assert_array_equal(load_idx(packed), array)


@pytest.mark.parametrize("content, message", [
    (b"\x01\x00\x08\x01\x00\x00\x00\x01\x00", "magic"),
    (b"\x00\x00\x07\x01\x00\x00\x00\x01\x00", "type code"),
    (b"\x00\x00\x08\x02\x00\x00\x00\x01", "truncated"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x03\x00\x01", "truncated"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x01\x00\x01", "trailing"),
])
def test_idx_errors(tmp_path, content, message):
    path = tmp_path / "bad.idx"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message) as info:
        load_idx(path)
    assert "bad.idx" in str(info.value)


# --- ISLR ----------------------------------------------------------------

def test_hitters():
    hitters = load_hitters()
    data, target = hitters.data, hitters.target
    assert data.shape == (263, 19) and len(target) == 263
    assert hitters.feature_names == list(data.columns)
    assert hitters.feature_names[:3] == ["AtBat", "Hits", "HmRun"]
    assert hitters.feature_names[-3:] == ["League_N", "Division_W", "NewLeague_N"]
    for column in ["League_N", "Division_W", "NewLeague_N"]:
        assert set(data[column].unique()) == {0.0, 1.0}
    assert not data.isna().any().any()
    assert target.name == "Salary" and target.dtype == np.float64
    assert target.mean() == pytest.approx(535.9258821, rel=1e-7)
    assert hitters.frame.shape == (263, 20)
    assert set(hitters.frame["League"]) == {"A", "N"}
    assert "Hitters" in hitters.DESCR


def test_khan():
    khan = load_khan()
    assert khan.X_train.shape == (63, 2308) and khan.X_test.shape == (20, 2308)
    assert khan.X_train.dtype == np.float64
    assert khan.y_train.shape == (63,) and khan.y_test.shape == (20,)
    assert khan.y_train.dtype == np.int64
    assert set(khan.y_train) == set(khan.y_test) == {1, 2, 3, 4}
