"""Reader for the IDX file format used by MNIST and its relatives.

An IDX file is a header followed by raw big-endian array data:

* two zero bytes,
* one type code byte (0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int,
  0x0D float, 0x0E double),
* one byte with the number of dimensions ``ndim``,
* ``ndim`` big-endian unsigned 32-bit sizes,
* the elements in C order.

Files may be gzipped; compression is detected from the gzip magic bytes,
not from the file name.
"""

import gzip
import zlib
from pathlib import Path

import numpy as np

GZIP_MAGIC = b"\x1f\x8b"

IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def load_idx(path):
    """Read the IDX file at ``path`` (gzipped or not) into a numpy array.

    IDX is the format of the MNIST files: a header declaring the element type and the shape,
    then the values in big-endian order.

    Parameters
    ----------
    path : str or pathlib.Path
        The file; gzip compression is recognized by its content, not its name.

    Returns
    -------
    ndarray
        With the dtype and shape declared by the header, in native byte order.

    Raises
    ------
    ValueError
        Naming the file, when the header is malformed or the data are shorter or longer than
        the header declares.

    Examples
    --------
    >>> from nnfit.datasets import load_idx
    >>> from nnfit.datasets._mnist import SHIPPED_DIR
    >>> load_idx(SHIPPED_DIR / "t10k-labels-idx1-ubyte.gz").shape
    (10000,)
    """
    path = Path(path)
    raw = _read_bytes(path)
    dtype, shape, offset = _parse_header(raw, path)
    _check_payload_size(len(raw) - offset, dtype, shape, path)
    data = np.frombuffer(raw, dtype=dtype, offset=offset)
    return data.reshape(shape).astype(dtype.newbyteorder("="))


def _read_bytes(path):
    """Return the file's contents, gunzipped if it starts with gzip magic."""
    raw = path.read_bytes()
    if not raw.startswith(GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(
            f"{path} looks gzipped but cannot be decompressed ({exc}); "
            "the file is truncated or corrupted, download it again"
        ) from exc


def _parse_header(raw, path):
    """Return ``(dtype, shape, header length)`` from an IDX header."""
    if len(raw) < 4 or raw[:2] != b"\x00\x00":
        raise ValueError(
            f"{path} is not an IDX file: it does not start with the IDX magic "
            f"number (two zero bytes, type code, ndim); got {raw[:4]!r}"
        )
    type_code, ndim = raw[2], raw[3]
    if type_code not in IDX_DTYPES:
        known = ", ".join(f"0x{code:02X}" for code in IDX_DTYPES)
        raise ValueError(
            f"{path} has unknown IDX type code 0x{type_code:02X}; "
            f"expected one of {known}"
        )
    offset = 4 + 4 * ndim
    if len(raw) < offset:
        raise ValueError(
            f"{path} is truncated: its header declares {ndim} dimensions "
            f"but the file has only {len(raw)} bytes"
        )
    shape = tuple(int(n) for n in np.frombuffer(raw, ">u4", ndim, offset=4))
    return IDX_DTYPES[type_code], shape, offset


def _check_payload_size(n_bytes, dtype, shape, path):
    """Raise ValueError unless the data is exactly as long as declared."""
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if n_bytes < expected:
        raise ValueError(
            f"{path} is truncated: header declares shape {shape} of "
            f"{dtype.name} ({expected} data bytes) but only {n_bytes} "
            "bytes follow; download the file again"
        )
    if n_bytes > expected:
        raise ValueError(
            f"{path} has {n_bytes - expected} bytes of trailing garbage after "
            f"the {expected} data bytes its header declares (shape {shape}); "
            "the file is corrupted, download it again"
        )
