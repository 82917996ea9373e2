import numpy as np
import pytest
from scipy import ndimage

from nnfit.augment import (
    _affine_coordinates, _gaussian_matrix, _resample, augment_images,
    shift_images,
)

SHAPE = (28, 28)


def blob(cy=13.5, cx=13.5, sy=3.0, sx=2.0):
    """A smooth elliptical "digit" as one flattened 28x28 row in [0, 1]."""
    yy, xx = np.mgrid[:28, :28]
    img = np.exp(-0.5 * (((yy - cy) / sy) ** 2 + ((xx - cx) / sx) ** 2))
    return img.ravel()


def bar(length=16, thickness=2):
    """A horizontal bar through the image centre."""
    img = np.zeros(SHAPE)
    r0, c0 = 14 - thickness // 2, 14 - length // 2
    img[r0:r0 + thickness, c0:c0 + length] = 1.0
    return img.ravel()


def digits(n=20, dtype=np.float64):
    rng = np.random.default_rng(123)
    base = np.stack([blob(), bar(), blob(12, 15, 4, 1.5)])
    X = base[rng.integers(0, 3, n)] * rng.uniform(0.6, 1.0, (n, 1))
    X = X.reshape(n, *SHAPE)
    X[:, :4] = X[:, -4:] = X[:, :, :4] = X[:, :, -4:] = 0  # MNIST-like margin
    return X.reshape(n, -1).astype(dtype)


def centroid(X):
    """(x, y) = (column, row) centres of mass of each image."""
    imgs = X.reshape(-1, *SHAPE)
    yy, xx = np.mgrid[:28, :28]
    mass = imgs.sum(axis=(1, 2))
    return np.stack([(imgs * xx).sum(axis=(1, 2)) / mass,
                     (imgs * yy).sum(axis=(1, 2)) / mass], axis=1)


def principal_angle(x):
    """Angle in degrees of the principal axis, measured counter-clockwise
    from the x axis with y pointing up (as the image is displayed)."""
    img = x.reshape(SHAPE)
    yy, xx = np.mgrid[:28, :28]
    m = img.sum()
    u = xx - (img * xx).sum() / m
    v = -(yy - (img * yy).sum() / m)
    cuu, cvv, cuv = ((img * u * u).sum(), (img * v * v).sum(),
                     (img * u * v).sum())
    return np.degrees(0.5 * np.arctan2(2 * cuv, cuu - cvv))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shape_dtype_range_and_input_untouched(dtype):
    X = digits(dtype=dtype)
    X0 = X.copy()
    Y = augment_images(X, np.random.default_rng(0))
    assert Y.shape == X.shape and Y.dtype == dtype
    assert Y is not X and not np.shares_memory(X, Y)
    assert Y.min() >= 0.0 and Y.max() <= 1.0
    np.testing.assert_array_equal(X, X0)
    assert not np.allclose(Y, X)


def test_higher_order_is_clipped_to_unit_range():
    X = np.stack([bar(), bar(length=10, thickness=1)])
    Y = augment_images(X, np.random.default_rng(0), order=3)
    assert Y.min() >= 0.0 and Y.max() <= 1.0


def test_reproducible_with_seed():
    X = digits()
    a = augment_images(X, np.random.default_rng(7))
    b = augment_images(X, np.random.default_rng(7))
    c = augment_images(X, np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 0.05


def test_each_image_gets_its_own_transform():
    X = np.tile(blob(), (5, 1))
    Y = augment_images(X, np.random.default_rng(0))
    assert min(np.abs(Y[i] - Y[j]).max()
               for i in range(5) for j in range(i)) > 0.01


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_zero_magnitudes_is_identity(dtype):
    X = digits(dtype=dtype)
    Y = augment_images(X, np.random.default_rng(0), shift=0, rotate=0,
                       scale=0, elastic_alpha=0)
    np.testing.assert_allclose(Y, X, atol=1e-6)


def test_integer_shift_moves_centroid_exactly():
    # dx moves the content along x = columns (right), dy along y = rows (down).
    X = digits()
    Y = shift_images(X, 3, -2)
    np.testing.assert_allclose(Y.sum(axis=1), X.sum(axis=1), rtol=1e-6)
    np.testing.assert_allclose(centroid(Y) - centroid(X),
                               np.tile([3.0, -2.0], (len(X), 1)), atol=1e-4)
    img = np.zeros(SHAPE)
    img[10, 10] = 1.0
    moved = shift_images(img.reshape(1, -1), 3, -2).reshape(SHAPE)
    assert moved[8, 13] == 1.0 and moved.sum() == 1.0


def test_fractional_shift_keeps_mass_and_moves_centroid():
    X = digits()
    Y = shift_images(X, 0.5, 1.25)
    np.testing.assert_allclose(Y.sum(axis=1), X.sum(axis=1), rtol=1e-6)
    np.testing.assert_allclose(centroid(Y) - centroid(X),
                               np.tile([0.5, 1.25], (len(X), 1)), atol=1e-4)


def test_shift_out_of_frame_leaves_zeros():
    Y = shift_images(digits(3), 40, 0)
    assert np.all(Y == 0)


def test_random_augment_keeps_mass_and_roughly_the_position():
    X = digits(200)
    shift = 2.0
    rng = np.random.default_rng(1)
    # Scaling by s multiplies the mass by s**2, within [0.81, 1.21] here.
    Y = augment_images(X, rng, shift=shift, elastic_alpha=0)
    ratio = Y.sum(axis=1) / X.sum(axis=1)
    assert np.all((ratio > 0.75) & (ratio < 1.25))
    # The elastic field also compresses or stretches small digits locally.
    Y = augment_images(X, rng, shift=shift)
    ratio = Y.sum(axis=1) / X.sum(axis=1)
    assert np.all((ratio > 0.6) & (ratio < 1.5))
    assert np.median(ratio) == pytest.approx(1.0, abs=0.03)
    move = np.abs(centroid(Y) - centroid(X))
    assert move.max() <= shift + 2.0
    assert move.max() > 1.0  # the shifts really happen


@pytest.mark.parametrize("theta", [20.0, -30.0])
def test_rotation_turns_principal_axis(theta):
    x = bar(length=18, thickness=2)
    assert abs(principal_angle(x)) < 1e-6
    coords = _affine_coordinates([theta], [1.0], [[0.0, 0.0]], SHAPE)
    y = _resample(x[None], coords, SHAPE, order=1)[0]
    assert principal_angle(y) == pytest.approx(theta, abs=1.5)
    np.testing.assert_allclose(centroid(y[None]), centroid(x[None]),
                               atol=0.05)


def test_scale_enlarges_about_the_centre():
    x = blob(sy=2.5, sx=2.5)
    coords = _affine_coordinates([0.0], [1.2], [[0.0, 0.0]], SHAPE)
    y = _resample(x[None], coords, SHAPE, order=1)[0]
    assert y.sum() / x.sum() == pytest.approx(1.2 ** 2, rel=0.02)
    np.testing.assert_allclose(centroid(y[None]), centroid(x[None]),
                               atol=1e-6)


def test_affine_coordinates_layout():
    coords = _affine_coordinates(np.zeros(3), np.ones(3), np.zeros((3, 2)))
    assert coords.shape == (3, 3, 28, 28) and coords.dtype == np.float32
    np.testing.assert_array_equal(coords, np.indices((3, 28, 28)))


def test_gaussian_matrix_matches_gaussian_filter():
    field = np.random.default_rng(0).uniform(-1, 1, (2, 4, 28, 28))
    G = _gaussian_matrix(28, 4.0)
    np.testing.assert_allclose(
        G @ field @ G.T,
        ndimage.gaussian_filter(field, sigma=(0, 0, 4.0, 4.0)), atol=1e-12)


def test_elastic_only_distorts_gently():
    X = digits(50)
    Y = augment_images(X, np.random.default_rng(2), shift=0, rotate=0,
                       scale=0, elastic_alpha=8.0, elastic_sigma=4.0)
    assert np.abs(Y - X).max() > 0.01
    np.testing.assert_allclose(Y.sum(axis=1), X.sum(axis=1), rtol=0.3)
    assert np.abs(centroid(Y) - centroid(X)).max() < 1.0


def test_rejects_wrong_shape():
    with pytest.raises(ValueError):
        augment_images(np.zeros((2, 100)), np.random.default_rng(0))
