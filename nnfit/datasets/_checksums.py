"""SHA-256 verification of data files against a ``SHA256SUMS`` file.

The ``SHA256SUMS`` format is the one written by ``sha256sum``: one
``<hex digest>  <file name>`` line per file (a ``*`` before the name, for
binary mode, is accepted too).
"""

import hashlib
from pathlib import Path

SUMS_NAME = "SHA256SUMS"


def sha256_of(path):
    """Return the hex SHA-256 digest of the file at ``path``."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_sums(sums_path):
    """Parse a ``SHA256SUMS`` file into a ``{file name: hex digest}`` dict."""
    sums = {}
    for line in Path(sums_path).read_text().splitlines():
        if not line.strip():
            continue
        digest, _, name = line.strip().partition(" ")
        sums[name.strip().lstrip("*")] = digest.lower()
    return sums


def verify_files(paths, sums_path, *, remedy):
    """Check every file in ``paths`` against the digests in ``sums_path``.

    ``remedy`` is appended to the error message to tell the user what to do.
    Raises ValueError naming the first file that is unlisted or mismatched.
    """
    sums = read_sums(sums_path)
    for path in map(Path, paths):
        expected = sums.get(path.name)
        if expected is None:
            raise ValueError(
                f"{path} is not listed in {sums_path}, so it cannot be "
                f"verified; {remedy}"
            )
        if sha256_of(path) != expected:
            raise ValueError(
                f"{path} does not match its SHA-256 sum in {sums_path}: the "
                f"file is corrupted or was replaced; {remedy}"
            )
