"""The estimators' input checks and standardization, x~_ij = (x_ij - mean_j) / sd_j.

mean_j and sd_j are the training rows' column means and standard deviations (an sd of 0 counts
as 1), weighted by the rows' sample weights when the fit has some (a weight of 2 counts a row
twice, as if it were repeated; 0 leaves it out), computed in float64 on each column divided by
its largest |x|, so that no square overflows: a column of values near 1e200 gets an sd near
1e200, not inf.  Sparse input (SciPy CSR/CSC matrices and arrays) is scaled without centring,
x~_ij = x_ij / sd_j, as scikit-learn's ``StandardScaler(with_mean=False)`` does, since centring
would fill in every zero; its sd still counts the zeros.  The arithmetic x~ is done in float64
by chunks of rows, then cast to the model's dtype.

Every value of X is first checked to be finite (NaN and infinity get the same message, naming
the column and the row), and every x~ to fit in the model's dtype (float32 ends near 3.4e38):
a value that does not is refused with its column and row, never clipped or zeroed.  A value
that swamps its column's scaling is warned about (``swamp``).
"""
import numpy as np
import scipy.sparse
from sklearn.utils.sparsefuncs import inplace_column_scale, mean_variance_axis

CHUNK = 8192


def column_label(names, j):
    """'name' (column j) when the estimator has feature names, else column j."""
    if names is not None:
        return f"{str(names[j])!r} (column {j})"
    return f"column {j}"


def check_finite(X, names, what="X"):
    """Refuse NaN and infinite values of X, naming the first one's column and row.

    Parameters
    ----------
    X : array or SciPy sparse matrix of shape (n, p), float
    names : array of str or None
        The feature names, for the message.
    what : str
        How the message calls X.
    """
    if scipy.sparse.issparse(X):
        if np.isfinite(X.data).all():
            return
        coo = X.tocoo()
        bad = np.flatnonzero(~np.isfinite(coo.data))
        row, col, value, count = coo.row[bad[0]], coo.col[bad[0]], coo.data[bad[0]], bad.size
    else:
        count = 0
        for start in range(0, X.shape[0], CHUNK):
            finite = np.isfinite(X[start:start + CHUNK])
            if not finite.all():
                rows, cols = np.nonzero(~finite)
                if count == 0:
                    row, col = start + rows[0], cols[0]
                    value = X[row, col]
                count += rows.size
        if count == 0:
            return
    raise ValueError(f"{what} contains NaN or infinity: {value} in {column_label(names, col)}, "
                     f"row {row} (counted from 0; {count} such value(s) in all); nnfit fits finite "
                     "numbers only: drop or impute those values first (for example with "
                     "sklearn.impute.SimpleImputer)")


def _rows(X, rows, start):
    """A float64 copy of rows ``rows[start:start + CHUNK]`` of X (all rows if ``rows`` is None)."""
    block = X[start:start + CHUNK] if rows is None else X[rows[start:start + CHUNK]]
    return np.array(block, dtype=np.float64)


def fit_scaling(X, rows=None, weights=None):
    """(mean, sd) of the columns of X[rows] in float64; mean is None for sparse X (no centring).

    With ``weights`` the mean and sd are weighted, mean_j = sum_i w_i x_ij / sum_i w_i and
    sd_j^2 = sum_i w_i (x_ij - mean_j)^2 / sum_i w_i, so that a row of weight 2 counts as the row
    repeated and a row of weight 0 as the row left out.

    Parameters
    ----------
    X : array or SciPy sparse matrix of shape (n, p), finite
    rows : array of int, optional
        The training rows (default: all).
    weights : ndarray of shape (n,), optional
        A weight >= 0 per row of X (the rows' sample weights), with a positive sum over ``rows``.

    Returns
    -------
    mean : ndarray of shape (p,), float64, or None
    sd : ndarray of shape (p,), float64, > 0 (1 for a constant column)
    """
    if weights is not None and rows is not None:
        weights = weights[rows]
    if scipy.sparse.issparse(X):
        X64 = (X if rows is None else X[rows]).astype(np.float64)
        top = abs(X64).max(axis=0).toarray().ravel()
        top[top == 0] = 1.0
        X64 = scipy.sparse.csr_matrix(X64)
        inplace_column_scale(X64, 1 / top)
        _, var = mean_variance_axis(X64, axis=0, weights=weights)
        sd = np.sqrt(var) * top
        return None, np.where(sd > 0, sd, 1.0)
    n = X.shape[0] if rows is None else len(rows)
    top = np.zeros(X.shape[1])
    for start in range(0, n, CHUNK):
        np.maximum(top, np.abs(_rows(X, rows, start)).max(axis=0), out=top)
    top[top == 0] = 1.0
    if weights is None:
        total = np.zeros(X.shape[1])
        for start in range(0, n, CHUNK):
            total += (_rows(X, rows, start) / top).sum(axis=0)
        mean = total / n
        squares = np.zeros(X.shape[1])
        for start in range(0, n, CHUNK):
            deviation = _rows(X, rows, start) / top - mean
            squares += np.einsum("ij,ij->j", deviation, deviation)
        sd = np.sqrt(squares / n) * top
        return mean * top, np.where(sd > 0, sd, 1.0)
    weights = np.asarray(weights, np.float64)
    total_weight = weights.sum()
    total = np.zeros(X.shape[1])
    for start in range(0, n, CHUNK):
        total += weights[start:start + CHUNK] @ (_rows(X, rows, start) / top)
    mean = total / total_weight
    squares = np.zeros(X.shape[1])
    for start in range(0, n, CHUNK):
        deviation = _rows(X, rows, start) / top - mean
        squares += np.einsum("i,ij,ij->j", weights[start:start + CHUNK], deviation, deviation)
    sd = np.sqrt(squares / total_weight) * top
    return mean * top, np.where(sd > 0, sd, 1.0)


def apply_scaling(X, mean, sd, dtype, names, rows=None):
    """x~ = (x - mean) / sd (x / sd without a mean) of the rows ``rows`` of X, in ``dtype``.

    Sparse X stays sparse (CSR) when there is no mean to subtract; with a mean (a model fitted
    on dense data) it is densified by chunks.  X itself is never modified.

    Parameters
    ----------
    X : array or SciPy sparse matrix of shape (n, p), finite
    mean : ndarray of shape (p,) or None
    sd : ndarray of shape (p,)
    dtype : str or numpy dtype
        The model's dtype.
    names : array of str or None
        Feature names, for the message on overflow.
    rows : array of int, optional
        The rows to take (default: all).

    Returns
    -------
    ndarray or scipy.sparse.csr_matrix of shape (len(rows), p) and dtype ``dtype``
    """
    dtype = np.dtype(dtype)
    sd = np.asarray(sd, np.float64)
    identity = mean is None and np.all(sd == 1)
    if scipy.sparse.issparse(X) and mean is None:
        out = scipy.sparse.csr_matrix(X if rows is None else X[rows], dtype=np.float64, copy=True)
        if not identity:
            inplace_column_scale(out, 1 / sd)
        _check_range(out.tocoo(), dtype, names, sparse=True)
        return out.astype(dtype)
    if identity and X.dtype == dtype and not scipy.sparse.issparse(X):
        return X if rows is None else X[rows]
    n = X.shape[0] if rows is None else len(rows)
    out = np.empty((n, X.shape[1]), dtype=dtype)
    for start in range(0, n, CHUNK):
        block = _rows(X, rows, start) if not scipy.sparse.issparse(X) else (
            (X[start:start + CHUNK] if rows is None else X[rows[start:start + CHUNK]]
             ).astype(np.float64).toarray())
        if mean is not None:
            block -= mean
        if not identity:
            block /= sd
        _check_range(block, dtype, names, offset=start, rows=rows)
        out[start:start + CHUNK] = block
    return out


def _check_range(block, dtype, names, offset=0, rows=None, sparse=False):
    """Refuse standardized values beyond the largest number of ``dtype``, naming column and row."""
    limit = np.finfo(dtype).max
    values = block.data if sparse else block
    if values.size == 0 or np.abs(values).max() <= limit:
        return
    if sparse:
        k = np.flatnonzero(np.abs(values) > limit)[0]
        row, col, value = block.row[k], block.col[k], values[k]
    else:
        r, col = (i[0] for i in np.nonzero(np.abs(block) > limit))
        row, value = r + offset, block[r, col]
    if rows is not None:
        row = rows[row]
    raise ValueError(f"X's value in {column_label(names, col)}, row {row} (counted from 0) is "
                     f"{value:.3g} after standardizing, beyond the range of {dtype.name} (largest "
                     f"{limit:.3g}); rescale that column (e.g. into other units), or fit with "
                     "dtype='float64'")
