"""Model files: ``estimator.save(path)`` and ``nnfit.load(path)``, with no pickle anywhere.

A ``.nnfit`` file is a zip written by ``numpy.savez``: the flat parameter vector ``theta``,
the input and target scalings, numeric class labels, the optimizer's running averages (so a
warm start after loading goes on exactly; they make an RMSprop file about twice, an Adam file
three times the size of theta alone), and a UTF-8 JSON header stored as a uint8 array.  The
header holds the format version, the nnfit version, the estimator class and its
hyperparameters, the architecture and how it was fitted, feature names, string class labels,
the training history, the random generator's state, the seed of the held-out split, Adam's
step count and (for models fitted by ``nnfit fit``) the tabular preprocessing step.  Everything
is read with ``allow_pickle=False``, so loading a file never runs code.  A SHA-256 digest of the
header and of every array's dtype, shape and bytes is stored in the header and checked on
loading: a truncated or edited file is refused with a ValueError.
"""
import hashlib
import json
import os
import zipfile
from pathlib import Path

import numpy as np

FORMAT_VERSION = 1
HEADER = "header"
_SCALARS = (type(None), bool, int, float, str)
_UNSAVED_PARAMS = ("augment", "callbacks")  # functions: not data, so never written
_FITTED_AS = ("dropout", "dtype", "activation", "optimizer")  # _architecture after its hidden sizes


def save(model, path):
    """Write a fitted estimator (or a ``TabularModel``) to ``path``; returns the path."""
    from ._preprocess import TabularModel
    estimator = model.estimator if isinstance(model, TabularModel) else model
    if not hasattr(estimator, "network_"):
        raise ValueError("this estimator is not fitted yet; call fit before save")
    header, arrays = _estimator_state(estimator)
    if isinstance(model, TabularModel):
        header["tabular"] = model.to_dict()
    header["sha256"] = _digest(header, arrays)
    arrays[HEADER] = np.frombuffer(_canonical(header), dtype=np.uint8)
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as file:  # a file object: savez would append ".npz" to a name
        np.savez(file, **arrays)
    os.replace(partial, path)
    return path


def load(path):
    """Read a model written by ``save``: the estimator, or a ``TabularModel`` from ``nnfit fit``."""
    header, arrays = _read(path)
    estimator = _rebuild(header, arrays)
    if "tabular" in header:
        from ._preprocess import TabularModel
        return TabularModel.from_dict(header["tabular"], estimator)
    return estimator


# --- writing ---------------------------------------------------------------------------------
def _estimator_state(est):
    from . import __version__
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
    sha = hashlib.sha256(_canonical({k: v for k, v in header.items() if k != "sha256"}))
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        sha.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        sha.update(array.tobytes())
    return sha.hexdigest()


# --- reading ---------------------------------------------------------------------------------
def _read(path):
    """(header, arrays) after checking that the file is whole, unedited and of a known version."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        header = json.loads(arrays.pop(HEADER).tobytes().decode("utf-8"))
    except (zipfile.BadZipFile, EOFError, OSError, KeyError, ValueError) as error:
        raise ValueError(f"{path} is not a readable nnfit model file (truncated or damaged?): "
                         f"{error}; fit and save the model again") from None
    version = header.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(f"{path} has model format version {version!r}, newer than the version "
                         f"{FORMAT_VERSION} this nnfit reads (written by nnfit "
                         f"{header.get('nnfit_version')}); upgrade nnfit: pip install -U nnfit")
    if header.get("sha256") != _digest(header, arrays):
        raise ValueError(f"{path} fails its SHA-256 check: the file was modified or damaged "
                         "after it was saved; fit and save the model again")
    return header, arrays


def _rebuild(header, arrays):
    from ._classifier import MLPClassifier
    from ._regressor import MLPRegressor
    from ._validation import check_params, make_rng
    classes = {"MLPClassifier": MLPClassifier, "MLPRegressor": MLPRegressor}
    if header.get("estimator") not in classes:
        raise ValueError(f"unknown estimator {header.get('estimator')!r} in the model file; "
                         "a newer nnfit may read it: pip install -U nnfit")
    layers = header["architecture"]
    params = {k: tuple(v) if isinstance(v, list) else v for k, v in header["params"].items()}
    # the network is rebuilt as it was saved: its hidden sizes come from the stored architecture
    # (older files lack a hidden_layer_sizes that was given as a NumPy array)
    hidden = tuple(int(n) for n in layers[1:-1])
    stored = params.get("hidden_layer_sizes")
    if (stored,) != hidden and stored != hidden:
        params["hidden_layer_sizes"] = hidden
    params["device"] = "cpu"  # a loaded model runs on NumPy until set_params(device=...)
    est = classes[header["estimator"]](**params)
    # The network is rebuilt as it was fitted, even where set_params changed the estimator's
    # parameters after the fit; a warm start with those then refuses, as it would have before.
    chosen = {name: getattr(est, name) for name in _FITTED_AS}
    if "fitted_as" in header:
        est.set_params(**dict(zip(_FITTED_AS, header["fitted_as"][1:])))
    _, dropout, dtype = check_params(est)
    if len(dropout) != len(hidden):
        raise ValueError(f"the model file's architecture {layers} has {len(hidden)} hidden "
                         f"layer(s) but {len(dropout)} dropout rate(s); fit and save it again")
    est._rng = make_rng(0)
    est._build(layers[0], layers[-1], hidden, dropout, dtype)
    est.set_params(**chosen)
    est._rng.bit_generator.state = header["rng_state"]
    if est.network_.theta.shape != arrays["theta"].shape:
        raise ValueError(f"the model file's parameter vector has {arrays['theta'].size} values "
                         f"but its architecture {layers} needs {est.network_.n_params}")
    est.network_.theta[...] = arrays["theta"]
    _restore_optimizer(est, header, arrays)
    est._split_seed = _split_seed(header, params.get("random_state"))
    est._x_mean, est._x_scale = arrays.get("x_mean"), arrays["x_scale"]
    est.n_features_in_ = header["n_features_in"]
    if header["feature_names_in"] is not None:
        est.feature_names_in_ = np.array(header["feature_names_in"], dtype=object)
    est.history_, est.best_epoch_ = header["history"], header["best_epoch"]
    est.interrupted_, est.n_iter_ = header["interrupted"], header["n_iter"]
    if "classes" in header:
        stored = header["classes"]
        est.classes_ = (arrays["classes"] if stored["stored"] == "array"
                        else np.array(stored["labels"], dtype=object))
    else:
        est._target_mean, est._target_scale = arrays["target_mean"], arrays["target_scale"]
        est._target_ndim = header["target_ndim"]
    return est


def _restore_optimizer(est, header, arrays):
    """Put back the optimizer's running averages (and Adam's step count), so that a warm start
    after ``load`` continues the fit exactly as it would have gone on without saving."""
    optimizer, theta = est._optimizer, est.network_.theta
    restored = False
    for name in optimizer.state_names:
        if "optimizer_" + name in arrays:
            setattr(optimizer, name, est.network_.backend.asarray(arrays["optimizer_" + name], theta.dtype))
            restored = True
    if header.get("optimizer_steps") is not None:
        optimizer.t = header["optimizer_steps"]
    if restored and hasattr(optimizer, "_tmp"):
        optimizer._tmp = est.network_.backend.xp.empty_like(theta)  # scratch space of a step


def _split_seed(header, random_state):
    """The seed of the held-out rows.  Files written before it was stored get it back from an
    integer ``random_state`` (it is the fit's first draw); else None, and a warm start warns."""
    from ._validation import make_rng
    if header.get("split_seed") is not None:
        return header["split_seed"]
    if isinstance(random_state, int) and not isinstance(random_state, bool):
        return int(make_rng(random_state).integers(2**31))
    return None
