"""Model files: ``estimator.save(path)`` and ``nnfit.load(path)``, with no pickle anywhere.

A ``.nnfit`` file is a zip written by ``numpy.savez``: the flat parameter vector ``theta``,
the input and target scalings, numeric class labels, the optimizer's running averages (so a
warm start after loading goes on exactly; they make an RMSprop file about twice, an Adam file
three times the size of theta alone), and a UTF-8 JSON header stored as a uint8 array.  The
header holds the format version, the nnfit version, the estimator class and its
hyperparameters, the architecture and how it was fitted, feature names, string class labels,
the training history, the random generator's state, the seed of the held-out split, Adam's
step count and (for models fitted by ``nnfit fit``) the tabular preprocessing step.  The file is
written to a temporary file beside ``path`` and renamed into place (``_files.atomic_write``):
an interrupted save leaves the old file as it was and no temporary file behind.

Loading treats the file as untrusted input: the zip directory, the sizes, the header (against a
schema) and every array (names, dtypes, exact shapes from the declared architecture, finite
values) are checked before anything is used (``_modelfile_read``, ``_modelfile_schema``);
nothing is unpickled, so loading a file never runs code.  Every problem is one ValueError
"<path> is not a valid nnfit model file: <why>".

Integrity and authenticity.  A SHA-256 digest of the header and of every array's dtype, shape
and bytes is stored in the header and checked on loading: it detects a truncated or damaged
file.  It does NOT prove who wrote the file: anyone who edits a file can recompute the digest.
For that, give a secret key: ``save(path, key=...)`` adds an HMAC-SHA256 of the digest under the
key, and ``load(path, key=...)`` refuses a file whose signature is missing or does not match
(compared in constant time, ``hmac.compare_digest``).  Without ``key`` both read the
environment variable ``NNFIT_MODEL_KEY`` (so the command line signs and checks too); without
either, a signature in a file is not checked.
"""
import hashlib
import hmac
import json
import os
from pathlib import Path

import numpy as np

from . import arrays as expect
from . import zipread
from . import schema
from .._files import atomic_write
from .zipread import HEADER, InvalidModelFile
from ..estimators.rebuild import rebuild as _rebuild
from .schema import FORMAT_VERSION

KEY_VARIABLE = "NNFIT_MODEL_KEY"
_SCALARS = (type(None), bool, int, float, str)
_UNSAVED_PARAMS = ("augment", "callbacks")  # functions: not data, so never written


def save(model, path, key=None):
    """Write a fitted estimator (or a ``TabularModel``) to ``path``; returns the path.

    With ``key`` (bytes or str; default: the environment variable NNFIT_MODEL_KEY) the file is
    signed with an HMAC-SHA256 that ``load(path, key=...)`` checks."""
    from ..tabular.preprocess import TabularModel
    estimator = model.estimator if isinstance(model, TabularModel) else model
    if not hasattr(estimator, "network_"):
        raise ValueError("this estimator is not fitted yet; call fit before save")
    key = _key(key)
    header, arrays = _estimator_state(estimator)
    if isinstance(model, TabularModel):
        header["tabular"] = model.to_dict()
    header["sha256"] = _digest(header, arrays)
    if key is not None:
        header["hmac_sha256"] = _signature(key, header["sha256"])
    arrays[HEADER] = np.frombuffer(_canonical(header), dtype=np.uint8)
    path = Path(path)
    with atomic_write(path) as file:  # a file object: savez would append ".npz" to a name
        np.savez(file, **arrays)
    return path


def load(path, key=None):
    """Read a model file written by ``save`` (or by ``nnfit fit``).

    The file is treated as untrusted input: a zip of arrays and a JSON header, every part
    checked before use and nothing unpickled, so opening it never runs code.  Its SHA-256
    digest is checked too: a truncated or damaged file is refused.  The digest shows that the
    file is intact, not who wrote it (anyone who edits the file can recompute it); a signature
    made with a secret ``key`` shows that (see the user guide on model files).

    Parameters
    ----------
    path : str or pathlib.Path
        The model file.
    key : bytes, str or None, default=None
        Secret key of an HMAC-SHA256 signature: the file must carry a signature made with the
        same key (``save(path, key=...)``).  None reads the environment variable
        ``NNFIT_MODEL_KEY``; with neither, a signature in the file is not checked.

    Returns
    -------
    MLPClassifier, MLPRegressor or tabular model
        The fitted estimator, with the same parameters, preprocessing, history, optimizer state
        and held-out rows as when it was saved: it predicts the same numbers and a warm start
        continues the fit exactly.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        "<path> is not a valid nnfit model file: <why>", for any problem with the file,
        including a missing or wrong signature.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import nnfit
    >>> X = np.random.default_rng(0).normal(size=(50, 2)); y = (X[:, 0] > 0).astype(int)
    >>> model = nnfit.MLPClassifier(hidden_layer_sizes=(4,), epochs=5, random_state=0).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.nnfit")
    >>> _ = model.save(path, key="a secret of the lab")
    >>> loaded = nnfit.load(path, key="a secret of the lab")
    >>> bool(np.array_equal(loaded.predict_proba(X), model.predict_proba(X)))
    True
    """
    key = _key(key)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}")
    try:
        header, arrays = _read(path, key)
        try:
            estimator = _rebuild(header, arrays)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
            raise InvalidModelFile(f"its settings do not rebuild a model ({error})") from error
        if "tabular" in header:
            from ..tabular.preprocess import TabularModel
            try:  # from_dict checks the tabular section in full and says what is wrong
                return TabularModel.from_dict(header["tabular"], estimator)
            except ValueError as error:
                why = str(error).removeprefix("the model file is not a valid nnfit model: ")
                raise InvalidModelFile(why) from error
    except InvalidModelFile as error:
        raise ValueError(f"{path} is not a valid nnfit model file: {error}") from None
    return estimator


def _key(key):
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


def _signature(key, digest):
    return hmac.new(key, digest.encode("ascii"), hashlib.sha256).hexdigest()


# --- writing ---------------------------------------------------------------------------------
def _estimator_state(est):
    from .._version import __version__
    params, skipped = _json_params(est.get_params(deep=False))
    layers = [d.n_in for d in est.network_.dense[:1]] + [d.n_out for d in est.network_.dense]
    header = {
        "format_version": FORMAT_VERSION, "nnfit_version": __version__,
        "estimator": type(est).__name__, "params": params, "params_not_saved": skipped,
        "architecture": layers, "n_features_in": int(est.n_features_in_),
        "feature_names_in": _str_list(getattr(est, "feature_names_in_", None)),
        "history": {k: [_plain(v) for v in values] for k, values in est.history_.items()},
        "best_epoch": int(est.best_epoch_ or 0),
        "interrupted": bool(est.interrupted_), "n_iter": int(est.n_iter_),
        "rng_state": est._rng.bit_generator.state,
    }
    arrays = {"theta": est.network_.backend.to_numpy(est.network_.theta), "x_scale": est._x_scale}
    header["split_seed"] = getattr(est, "_split_seed", None)  # the held-out rows of a warm start
    header["fitted_as"] = est._architecture  # what a warm start must keep (params may differ)
    header["optimizer_steps"] = getattr(est._optimizer, "t", None)
    weights = est.get_params(deep=False).get("class_weight")
    if isinstance(weights, dict):  # JSON objects have string keys only: stored as (label, w) pairs
        header["class_weight_pairs"] = [[_plain(k), float(w)] for k, w in weights.items()]
        header["params_not_saved"] = [n for n in skipped if n != "class_weight"]
    for name in est._optimizer.state_names:
        value = getattr(est._optimizer, name)
        if value is not None:
            arrays["optimizer_" + name] = est.network_.backend.to_numpy(value)
    if est._x_mean is not None:
        arrays["x_mean"] = est._x_mean
    if hasattr(est, "classes_"):
        header["classes"] = _classes_entry(est.classes_, arrays)
    else:
        arrays["target_mean"], arrays["target_scale"] = est._target_mean, est._target_scale
        header["target_ndim"] = int(est._target_ndim)
    return header, arrays


def _json_params(params):
    """Hyperparameters that JSON can hold exactly; the names of the others."""
    kept, skipped = {}, []
    for name, value in params.items():
        value = _json_value(value)
        unsaved = name in _UNSAVED_PARAMS and value is not None
        if unsaved or not isinstance(value, (*_SCALARS, list)):
            skipped.append(name)
            continue
        kept[name] = value
    return kept, skipped


def _json_value(value):
    """``value`` with NumPy types made plain: dtypes by name, NumPy scalars as Python ones,
    tuples, lists and 1-d arrays of scalars as lists of plain scalars; anything else unchanged."""
    if isinstance(value, np.dtype) or isinstance(value, type) and issubclass(value, np.generic):
        return np.dtype(value).name
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    if isinstance(value, np.ndarray) and value.ndim == 1 or isinstance(value, (tuple, list)):
        items = [v.item() if isinstance(v, np.generic) else v for v in value]
        if all(isinstance(v, _SCALARS) for v in items):
            return items
    return value


def _classes_entry(classes, arrays):
    """Numeric, boolean and fixed-width string labels go in an array; Python strings in JSON."""
    if classes.dtype != object:
        arrays["classes"] = classes
        return {"stored": "array"}
    if not all(isinstance(c, str) for c in classes):
        raise ValueError("only number, boolean or string class labels can be saved; got "
                         f"{sorted({type(c).__name__ for c in classes})}")
    return {"stored": "header", "labels": list(classes)}


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def _str_list(values):
    return None if values is None else [str(v) for v in values]


def _canonical(header):
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _digest(header, arrays):
    sha = hashlib.sha256(_canonical({k: v for k, v in header.items()
                                     if k not in ("sha256", "hmac_sha256")}))
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        sha.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        sha.update(array.tobytes())
    return sha.hexdigest()


# --- reading ---------------------------------------------------------------------------------
def _read(path, key):
    """(header, arrays) after checking the zip directory, the header, every array's dtype and
    shape, the SHA-256 digest, the signature (with a key) and the values, in that order."""
    from ..estimators.classifier import MLPClassifier
    from ..estimators.regressor import MLPRegressor
    param_names = {cls.__name__: cls().get_params(deep=False)
                   for cls in (MLPClassifier, MLPRegressor)}
    archive, members = zipread.open_archive(path, _allowed_array)
    with archive:
        header = zipread.read_header(archive, members.pop(HEADER))
        facts = schema.check_header(header, param_names)
        spec = expect.expected_arrays(facts, header)
        missing = [name for name, (_, _, required) in spec.items()
                   if required and name not in members]
        unexpected = sorted(set(members) - set(spec))
        states = [name for name in spec if name.startswith("optimizer_")]
        present = [name for name in states if name in members]
        if present and present != states:  # all of the optimizer's running averages, or none
            missing += sorted(set(states) - set(present))
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
    if not hmac.compare_digest(header["sha256"], _digest(header, arrays)):
        raise InvalidModelFile("it fails its SHA-256 check: the file was modified or damaged "
                               "after it was saved; fit and save the model again")
    if key is not None:
        if "hmac_sha256" not in header:
            raise InvalidModelFile("it is not signed, but a key was given (key= or "
                                   f"{KEY_VARIABLE}): it may not come from you")
        if not hmac.compare_digest(header["hmac_sha256"], _signature(key, header["sha256"])):
            raise InvalidModelFile("its HMAC-SHA256 signature does not match the key: it was "
                                   "signed with another key or modified after it was signed")
    expect.check_values(header, arrays)
    return header, arrays


def _allowed_array(name):
    return name in ("theta", "x_scale", "x_mean", "classes", "target_mean", "target_scale") or (
        name.startswith("optimizer_") and any(name[10:] in names
                                              for names in schema.STATE_NAMES.values()))
