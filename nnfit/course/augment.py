"""On-the-fly data augmentation for small grey-level digit images.

Data augmentation is a regularizer (ISLR, section 10.3.4): a small shift,
rotation, rescaling or wobble of a handwritten digit does not change its
label, so distorting every training image afresh each epoch shows the
network a new sample of plausible examples and keeps it from memorising the
originals.  Here each image gets its own random affine transform about the
image centre plus the elastic distortion of Simard, Steinkraus & Platt (2003),
"Best practices for convolutional neural networks applied to visual document
analysis": uniform(-1, 1) displacement fields, smoothed by a Gaussian of
standard deviation ``elastic_sigma`` and scaled by ``elastic_alpha`` pixels.

Images are rows of ``X`` (``n`` by ``H*W``, values in [0, 1]).  Axis
convention: x is the column index (pointing right), y is the row index
(pointing down).  A positive shift ``dx`` moves the content right, a
positive ``dy`` moves it down; a positive angle rotates the content
counter-clockwise as the image is displayed.

The whole batch is resampled by a single ``scipy.ndimage.map_coordinates``
call on the stack of images, with coordinates of shape ``(3, n, H, W)`` whose
first component is the (integer) image index, so no Python loop runs over
images.  With numba installed, bilinear resampling runs instead as one
compiled pass (``backends.kernels.bilinear``) giving the same bits, a third of the
time of the whole augmentation (map_coordinates interpolates trilinearly
over the image index as well, and needs a zero-bordered copy).  With the default bilinear interpolation (``order=1``) every output
pixel is a convex combination of input pixels and zeros, so values stay in
[0, 1] exactly; higher orders can overshoot and are clipped.
"""

import numpy as np
from scipy import ndimage

from ..backends.numpy_backend import default_backend

__all__ = ["augment_images", "shift_images"]


def _affine_coordinates(angles, scales, shifts, shape=(28, 28)):
    """Source coordinates for per-image affine maps, shape ``(3, n, H, W)``.

    ``angles`` (degrees, counter-clockwise as displayed), ``scales`` (> 1
    enlarges) have length ``n``; ``shifts`` is ``(n, 2)`` holding ``(dx, dy)``
    in pixels.  Content at input point ``q`` lands at output point
    ``s R (q - c) + c + t``; component 0 of the result is the image index,
    components 1 and 2 the input row and column sampled by each output pixel.
    """
    angles = np.radians(np.asarray(angles, dtype=np.float64))
    scales = np.asarray(scales, dtype=np.float64)
    shifts = np.asarray(shifts, dtype=np.float64).reshape(-1, 2)
    n = angles.shape[0]
    H, W = shape
    cy, cx = (H - 1) / 2.0, (W - 1) / 2.0

    f32 = np.float32
    a = (np.cos(angles) / scales).astype(f32)[:, None, None]
    b = (np.sin(angles) / scales).astype(f32)[:, None, None]
    px = (np.arange(W) - cx)[None, None, :] - shifts[:, 0, None, None]
    pr = (np.arange(H) - cy)[None, :, None] - shifts[:, 1, None, None]
    px, pr = px.astype(f32), pr.astype(f32)

    # Inverse map in row/column form (rows point down, hence the signs).
    coords = np.empty((3, n, H, W), dtype=f32)
    coords[0] = np.arange(n, dtype=f32)[:, None, None]
    np.multiply(b, px, out=coords[1])
    coords[1] += a * pr
    coords[1] += f32(cy)
    np.multiply(a, px, out=coords[2])
    coords[2] -= b * pr
    coords[2] += f32(cx)
    return coords


def _gaussian_matrix(size, sigma):
    """Matrix ``G`` with ``G @ v == gaussian_filter1d(v, sigma)`` for length
    ``size`` vectors (same reflecting boundary)."""
    return ndimage.gaussian_filter1d(np.eye(size), sigma, axis=0)


def _resample(X, coords, shape, order):
    # On a zero-bordered copy, mode="constant" fades to 0 over the pixel just
    # outside the image as mode="grid-constant" would (plain "constant" zeroes
    # any sample even slightly outside), at about half grid-constant's cost.
    # Shifts ``coords`` in place to the bordered frame.
    n = X.shape[0]
    coords[1:] += 1
    fused = default_backend.fused("bilinear") if order == 1 else None
    if fused is not None:  # the same interpolation in one compiled pass, no padded copy
        out = np.empty_like(X)
        fused(X.reshape(n, *shape), coords[1].reshape(n, -1), coords[2].reshape(n, -1), out)
        return out
    padded = np.zeros((n, shape[0] + 2, shape[1] + 2), dtype=X.dtype)
    padded[:, 1:-1, 1:-1] = X.reshape(n, *shape)
    out = ndimage.map_coordinates(
        padded, coords, output=X.dtype, order=order, mode="constant",
        cval=0.0, prefilter=order > 1,
    )
    out = out.reshape(X.shape)
    if order > 1:
        np.clip(out, 0.0, 1.0, out=out)
    return out


def augment_images(X, rng, *, shift=2.0, rotate=10.0, scale=0.1,
                   elastic_alpha=8.0, elastic_sigma=4.0, shape=(28, 28),
                   order=1):
    """Randomly distorted copy of the images in the rows of ``X`` (data augmentation).

    Each image gets its own shift, uniform in ``[-shift, shift]`` pixels per
    axis, rotation uniform in ``[-rotate, rotate]`` degrees and isotropic
    scale uniform in ``[1 - scale, 1 + scale]`` about the image centre, plus an
    elastic distortion of strength ``elastic_alpha`` and smoothness
    ``elastic_sigma`` (pixels).  A magnitude of 0 disables that part.
    Pass it to an estimator as ``augment=lambda X, rng: augment_images(X, rng)``
    to distort every minibatch afresh.

    Parameters
    ----------
    X : ndarray of shape (n, H * W)
        Images as rows, values in [0, 1].
    rng : numpy.random.Generator
        The only source of randomness.
    shift : float, default=2.0
        Largest shift in pixels along each axis.
    rotate : float, default=10.0
        Largest rotation in degrees.
    scale : float, default=0.1
        Largest relative change of size.
    elastic_alpha : float, default=8.0
        Strength of the elastic distortion in pixels (0 for none).
    elastic_sigma : float, default=4.0
        Smoothness (Gaussian standard deviation, pixels) of the elastic displacement field.
    shape : tuple of int, default=(28, 28)
        Image height and width.
    order : int, default=1
        Interpolation order (1 bilinear; higher orders are clipped to [0, 1]).

    Returns
    -------
    ndarray
        A new array with the shape and dtype of ``X``, values in [0, 1].

    Raises
    ------
    ValueError
        If ``X`` is not of shape (n, H * W).

    Examples
    --------
    >>> import numpy as np
    >>> from nnfit.augment import augment_images
    >>> X = np.zeros((2, 784), dtype=np.float32); X[:, 300:320] = 1
    >>> Y = augment_images(X, np.random.default_rng(0))
    >>> Y.shape, Y.dtype.name, bool(Y.min() >= 0 and Y.max() <= 1)
    ((2, 784), 'float32', True)
    """
    X = np.asarray(X)
    if not np.issubdtype(X.dtype, np.floating):
        X = X.astype(np.float64)
    n = X.shape[0]
    H, W = shape
    if X.shape != (n, H * W):
        raise ValueError(f"X must have shape (n, {H * W}), got {X.shape}")

    angles = rng.uniform(-rotate, rotate, size=n) if rotate else np.zeros(n)
    scales = (rng.uniform(1 - scale, 1 + scale, size=n) if scale
              else np.ones(n))
    shifts = (rng.uniform(-shift, shift, size=(n, 2)) if shift
              else np.zeros((n, 2)))
    coords = _affine_coordinates(angles, scales, shifts, shape)

    if elastic_alpha:
        field = rng.random((2, n, H, W), dtype=np.float32)
        field *= np.float32(2 * elastic_alpha)
        field -= np.float32(elastic_alpha)
        if elastic_sigma:
            # gaussian_filter(field, sigma=(0, 0, s, s)) as two matrix
            # products, several times faster than the direct convolution.
            Gr = _gaussian_matrix(H, elastic_sigma).astype(np.float32)
            Gc = _gaussian_matrix(W, elastic_sigma).astype(np.float32)
            field = np.matmul(Gr, (field.reshape(-1, W) @ Gc.T)
                              .reshape(field.shape))
        coords[1:] += field

    return _resample(X, coords, shape, order)


def shift_images(X, dx, dy, shape=(28, 28)):
    """Copy of the images in ``X`` all moved ``dx`` columns right and ``dy`` rows down.

    Fractional shifts interpolate bilinearly; vacated pixels are 0.

    Parameters
    ----------
    X : ndarray of shape (n, H * W)
        Images as rows.
    dx, dy : float
        Shift right and down, in pixels (negative values shift left and up).
    shape : tuple of int, default=(28, 28)
        Image height and width.

    Returns
    -------
    ndarray
        The shifted images, same shape as ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> from nnfit.augment import shift_images
    >>> X = np.zeros((1, 784)); X[0, 0] = 1             # the top-left pixel
    >>> int(np.argmax(shift_images(X, 1, 0)))           # one column to the right
    1
    """
    X = np.asarray(X)
    if not np.issubdtype(X.dtype, np.floating):
        X = X.astype(np.float64)
    n = X.shape[0]
    coords = _affine_coordinates(np.zeros(n), np.ones(n),
                                 np.tile([dx, dy], (n, 1)), shape)
    return _resample(X, coords, shape, order=1)
