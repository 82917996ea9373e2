"""Model files: a JSON header and named NumPy arrays in a zip, with no pickle anywhere.

A ``.nnfit`` file is a zip written by ``numpy.savez``: the arrays its owner gives (``write``)
and a UTF-8 JSON header stored as the uint8 array ``header``.  This module knows no model
class: each owner turns itself into a header and arrays and back (``_BaseMLP._to_file_parts``
in ``nnfit.estimators.serialize``, the tabular models in ``nnfit.tabular.state``), and
``nnfit.load`` (``nnfit._load``) picks the owner from the header; an ensemble's file holds its
members' headers and arrays side by side, each checked as in a file of its own (``ensemble``).
``write`` adds the format version, the nnfit version and the digest to the header, and writes
to a temporary file beside ``path`` that is renamed into place (``_files.atomic_write``): an
interrupted save leaves the old file as it was and no temporary file behind; a path that is a
folder, or in a folder that does not exist, is refused in our words first (``check_target``).

Reading treats the file as untrusted input: the zip directory, the sizes, the header (against a
schema) and every array (names, dtypes, exact shapes from the declared architecture, finite
values) are checked before anything is used (``zipread``, ``schema``, ``arrays``); nothing is
unpickled, so reading a file never runs code.  Every problem raises ``InvalidModelFile`` with
the reason; ``nnfit.load`` turns it into "<path> is not a valid nnfit model file: <why>".

Integrity and authenticity.  A SHA-256 digest of the header and of every array's dtype, shape
and bytes is stored in the header and checked on reading: it detects a truncated or damaged
file.  It does NOT prove who wrote the file: anyone who edits a file can recompute the digest.
For that, give a secret key: ``write(..., key=...)`` adds an HMAC-SHA256 of the digest under the
key, and ``read(..., key=...)`` refuses a file whose signature is missing or does not match
(compared in constant time, ``hmac.compare_digest``).  Without ``key`` both read the
environment variable ``NNFIT_MODEL_KEY`` (``resolve_key``; so the command line signs and checks
too); without either, a signature in a file is not checked.
"""
import hashlib
import hmac
import json
import os
from pathlib import Path

import numpy as np

from . import arrays as expect
from . import ensemble, schema, zipread
from .._files import atomic_write
from .._version import __version__
from .schema import FORMAT_VERSION
from .zipread import HEADER, InvalidModelFile

KEY_VARIABLE = "NNFIT_MODEL_KEY"
_SIGNATURES = ("sha256", "hmac_sha256")  # header keys the digest does not cover


def write(path, header, arrays, key=None):
    """Write ``header`` (a dict JSON can hold) and ``arrays`` ({name: ndarray}) to ``path``.

    The header gains ``format_version``, ``nnfit_version``, ``sha256`` and, with ``key`` (bytes
    or str; default: the environment variable NNFIT_MODEL_KEY), ``hmac_sha256``.  Returns the
    path."""
    key = resolve_key(key)
    header = {**header, "format_version": FORMAT_VERSION, "nnfit_version": __version__}
    header["sha256"] = digest(header, arrays)
    if key is not None:
        header["hmac_sha256"] = signature(key, header["sha256"])
    members = {**arrays, HEADER: np.frombuffer(canonical(header), dtype=np.uint8)}
    path = check_target(path)
    with atomic_write(path) as file:  # a file object: savez would append ".npz" to a name
        np.savez(file, **members)
    return path


def check_target(path):
    """``path`` as a Path, refused in our words if a model file cannot be written there (a
    folder, a folder that does not exist) before a temporary file is made beside it."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"cannot save the model as {str(path)!r}: that is a folder; give "
                                f"a file name, e.g. {str(path / 'model.nnfit')!r}")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot save the model as {str(path)!r}: the folder "
                                f"{str(folder)!r} does not exist; create it first, or give "
                                "another path")
    return path


def read(path, param_names, key=None):
    """(header, arrays) of the file at ``path``, after checking the zip directory, the header,
    every array's dtype and shape, the SHA-256 digest, the signature (with ``key``, as resolved
    by ``resolve_key``) and the values, in that order.  ``param_names`` maps each estimator
    name a header may give to the names of its hyperparameters.  Raises ``InvalidModelFile``."""
    archive, members = zipread.open_archive(path, _allowed_array)
    with archive:
        header = zipread.read_header(archive, members.pop(HEADER))
        if ensemble.is_ensemble(header):  # K members' headers, their arrays under prefixes
            parts = ensemble.check_ensemble_header(header, param_names)
        else:
            parts = [("", header, schema.check_header(header, param_names))]
        spec, missing = {}, []
        for prefix, part, facts in parts:
            own = expect.expected_arrays(facts, part)
            spec.update({prefix + name: entry for name, entry in own.items()})
            missing += [prefix + name for name, (_, _, required) in own.items()
                        if required and prefix + name not in members]
            states = [prefix + name for name in own if name.startswith("optimizer_")]
            present = [name for name in states if name in members]
            if present and present != states:  # all of the optimizer's running averages, or none
                missing += sorted(set(states) - set(present))
        unexpected = sorted(set(members) - set(spec))
        if missing or unexpected:
            raise InvalidModelFile(f"its arrays do not match its header: missing {missing}, "
                                   f"unexpected {unexpected}")
        for name, info in members.items():  # every size from the directory before any read
            kinds, length, _ = spec[name]
            zipread.check_size(info, expect.max_bytes(kinds, length))
        arrays = {}
        for name, info in members.items():
            check = expect.dtype_checker(name, *spec[name][:2])
            arrays[name] = zipread.read_array(archive, info, check)
    if not hmac.compare_digest(header["sha256"], digest(header, arrays)):
        raise InvalidModelFile("it fails its SHA-256 check: the file was modified or damaged "
                               "after it was saved; fit and save the model again")
    if key is not None:
        if "hmac_sha256" not in header:
            raise InvalidModelFile("it is not signed, but a key was given (key= or "
                                   f"{KEY_VARIABLE}): it may not come from you")
        if not hmac.compare_digest(header["hmac_sha256"], signature(key, header["sha256"])):
            raise InvalidModelFile("its HMAC-SHA256 signature does not match the key: it was "
                                   "signed with another key or modified after it was signed")
    for prefix, part, _ in parts:
        expect.check_values(part, {name[len(prefix):]: array for name, array in arrays.items()
                                   if name.startswith(prefix)})
    return header, arrays


def resolve_key(key):
    """The signing key as bytes: ``key``, else NNFIT_MODEL_KEY, else None (no signature)."""
    if key is None:
        key = os.environ.get(KEY_VARIABLE) or None
        if key is None:
            return None
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, (bytes, bytearray)):
        raise TypeError(f"key must be bytes or str, not {type(key).__name__}")
    if not key:
        raise ValueError("key is empty; give a secret of at least 16 bytes, or key=None")
    return bytes(key)


def signature(key, digest_hex):
    """HMAC-SHA256 of a digest under ``key`` (bytes), as hex."""
    return hmac.new(key, digest_hex.encode("ascii"), hashlib.sha256).hexdigest()


def canonical(header):
    """The header's bytes in the file: JSON with sorted keys and no spaces, UTF-8."""
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")


def digest(header, arrays):
    """SHA-256 of the header (less its signatures) and of every array's name, dtype, shape and
    bytes, in the order of the names, as hex."""
    sha = hashlib.sha256(canonical({k: v for k, v in header.items() if k not in _SIGNATURES}))
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        sha.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        sha.update(array.tobytes())
    return sha.hexdigest()


def _allowed_array(name):
    member = ensemble.split_array_name(name)  # member k's array in an ensemble's file
    return _allowed_plain(name) if member is None else _allowed_plain(member[1])


def _allowed_plain(name):
    return name in ("theta", "x_scale", "x_mean", "classes", "target_mean", "target_scale",
                    "unique_times", "cum_baseline_hazard") or (
        name.startswith("optimizer_") and any(name[10:] in names
                                              for names in schema.STATE_NAMES.values()))
