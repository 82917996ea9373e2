"""Compiled bilinear resampling of a stack of images, for ``nnfit.course.augment``."""
import numpy as np

from ._numba import jit

# --- augmentation: bilinear resampling of a stack of images ------------------------------------
@jit
def bilinear(images, rows, cols, out):
    """out[i, p] = image i (H x W, 0 outside) interpolated bilinearly at row rows[i, p] - 1,
    column cols[i, p] - 1 (coordinates in the frame of the image bordered by one row and
    column of zeros, as ``augment._resample`` gives them to scipy's map_coordinates).
    As scipy computes it (same bits, float64 too): float64 arithmetic, the four corners
    summed in the same order, each as (pixel * row weight) * column weight with weights
    1 - t and t.  Values outside [0, 1] cannot arise."""
    n, H, W = images.shape
    for i in range(n):
        for p in range(rows.shape[1]):
            r = np.float64(rows[i, p])
            c = np.float64(cols[i, p])
            r0 = np.floor(r)
            c0 = np.floor(c)
            tr = r - r0
            tc = c - c0
            ir = np.int64(r0) - 1
            ic = np.int64(c0) - 1
            value = 0.0
            if 0 <= ir < H:
                if 0 <= ic < W:
                    value += np.float64(images[i, ir, ic]) * (1.0 - tr) * (1.0 - tc)
                if 0 <= ic + 1 < W:
                    value += np.float64(images[i, ir, ic + 1]) * (1.0 - tr) * tc
            if 0 <= ir + 1 < H:
                if 0 <= ic < W:
                    value += np.float64(images[i, ir + 1, ic]) * tr * (1.0 - tc)
                if 0 <= ic + 1 < W:
                    value += np.float64(images[i, ir + 1, ic + 1]) * tr * tc
            out[i, p] = value


KERNELS = {"bilinear": bilinear}
