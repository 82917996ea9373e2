"""A value that swamps its column's scaling: the rule of the array estimators (``inputs``) and
of the tabular ones (``nnfit.tabular.checks``), one function and one wording for both.

A column is swamped when one value is so far out that the column's standard deviation is more
than 1 / SWAMP_RATIO times that of the other rows, so that once standardized the other rows
differ by less than SWAMP_RATIO and the network sees them as nearly equal (one 1e12 or 1e308
among values near 1).  The value is the column's farthest from its mean (its largest or its
smallest).  A warning names the column, the row and the value, and says what to do; the column
is still fitted as given (a value too large to standardize at all is refused elsewhere).
"""
import warnings

import numpy as np

SWAMP_RATIO = 1e-2
SWAMP_CHUNK = 2_000_000  # values per block of columns in swamped_columns (a float64 copy)
MAX_SHOWN = 10


def swamped_columns(x, rows=None):
    """[(j, i, ratio)]: the columns j of the dense block x (NaN allowed, skipped) in which one
    value, in row i, swamps the scaling: its value farthest from the column's mean (the largest
    or the smallest) leaves the other rows an sd below SWAMP_RATIO times the column's
    (``ratio``, the sd of the others / that of all).  In linear time (no sorting), overflow-free
    (each sd computed on values divided by their largest magnitude).  With ``rows`` only those
    rows count (i indexes ``rows``).

    A column can only be swamped if one value carries nearly all of its sum of squares:
    removing a value at distance d from the mean leaves (n sd^2 - n d^2 / (n - 1)) / (n - 1) as
    the others' variance, below SWAMP_RATIO^2 sd^2 only if d^2 > (n - 1) (1 - SWAMP_RATIO^2) sd^2.
    Every column without NaN is screened by d^2 >= 0.9 (n - 1) sd^2 (max, min, mean and sd: a
    few passes, 0.8 s for MNIST's 60,000 x 784); the exact rule runs on those that pass."""
    n = x.shape[0] if rows is None else len(rows)
    if n < 3:
        return []
    found, step = [], max(1, SWAMP_CHUNK // n)
    for start in range(0, x.shape[1], step):
        block = np.array(x[:, start:start + step] if rows is None else x[rows, start:start + step],
                         dtype=np.float64)
        with warnings.catch_warnings(), np.errstate(invalid="ignore", over="ignore",
                                                    divide="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: refused elsewhere
            if not np.isnan(block).any():  # NaN: every column to the exact rule
                high, low = block.max(axis=0), block.min(axis=0)
                top = np.maximum(np.abs(high), np.abs(low))
                top = np.where(top > 0, top, 1.0)
                scaled = block / top
                centre, sd = scaled.mean(axis=0), scaled.std(axis=0)
                d = np.maximum(high / top - centre, centre - low / top)
                maybe = np.flatnonzero(d * d >= 0.9 * (n - 1) * sd * sd)
                block = block[:, maybe]
            else:
                maybe = np.arange(block.shape[1])
            found += [(start + maybe[j], i, ratio) for j, i, ratio in _swamped_block(block)]
    return found


def _swamped_block(block):
    """``swamped_columns`` of one float64 block (modified in place)."""
    nan = np.isnan(block).any()
    count = (~np.isnan(block)).sum(axis=0) if nan else np.full(block.shape[1], block.shape[0])
    big, mean, std = (np.nanmax, np.nanmean, np.nanstd) if nan else (np.max, np.mean, np.std)
    columns = np.arange(block.shape[1])
    magnitude = np.abs(block)
    top = big(magnitude, axis=0)
    top = np.where(top > 0, top, 1.0)
    scaled = block / top  # |scaled| <= 1: no overflow
    centre = mean(scaled, axis=0)
    high = (np.nanargmax if nan else np.argmax)(np.where(np.isnan(block), -np.inf, block), axis=0)
    low = (np.nanargmin if nan else np.argmin)(np.where(np.isnan(block), np.inf, block), axis=0)
    far = np.where(scaled[high, columns] - centre >= centre - scaled[low, columns], high, low)
    sd_all = std(scaled, axis=0)  # the column's sd / top
    magnitude[far, columns] = 0.0  # the other rows, by their own largest magnitude, so that
    top_rest = big(magnitude, axis=0)  # none underflows beside a 1e308
    top_rest = np.where(top_rest > 0, top_rest, 1.0)
    block[far, columns] = 0.0
    scaled = block / top_rest
    rest_mean = (np.nansum(scaled, axis=0) if nan else scaled.sum(axis=0)) / (count - 1)
    scaled[far, columns] = rest_mean  # no deviation: the sd over count rows, rescaled below
    sd_rest = std(scaled, axis=0) * np.sqrt(count / np.maximum(count - 1, 1))
    ratio = top_rest / top * sd_rest / sd_all
    swamped = np.flatnonzero((count >= 3) & (sd_rest > 0) & (ratio < SWAMP_RATIO))
    return [(j, int(far[j]), ratio[j]) for j in swamped]


def warn_swamped(x, column, row, rows=None, stacklevel=2):
    """One warning naming each swamped column of x (``swamped_columns``), its row and value.

    Parameters
    ----------
    x : ndarray of shape (n, p)
    column, row : callable
        ``column(j)`` names column j ("column 'age'"), ``row(i)`` row i of x.
    rows : array of int, optional
        The rows that count (the training rows); default all.
    stacklevel : int
        As ``warnings.warn``'s, counted from the caller of this function.
    """
    found = swamped_columns(x, rows)
    if not found:
        return
    take = (lambda i: i) if rows is None else (lambda i: rows[i])
    shown = "; ".join(f"{column(j)}, row {row(take(i))}: {float(x[take(i), j]):g} (the other "
                      f"rows' sd is {ratio:.2g} of the column's)"
                      for j, i, ratio in found[:MAX_SHOWN])
    more = f"; and {len(found) - MAX_SHOWN} more column(s)" if len(found) > MAX_SHOWN else ""
    warnings.warn(f"a value swamps its column's scaling: once standardized, the other rows of "
                  f"the column differ by less than {SWAMP_RATIO:g} and the network sees them as "
                  f"nearly equal ({shown}{more}); check that value (a typo, a code for "
                  "missing?), drop its row, or transform the column (e.g. log)", UserWarning,
                  stacklevel=stacklevel + 1)
