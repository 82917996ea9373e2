"""An estimator in a model file (a mixin of ``_BaseMLP``): ``save`` and the parts it writes.

``_to_file_parts`` turns a fitted estimator into a JSON header and named arrays: the flat
parameter vector ``theta``, the input and target scalings, numeric class labels and the
optimizer's running averages (so a warm start after loading goes on exactly; they make an
RMSprop file about twice, an Adam file three times the size of theta alone); the header holds
the estimator's class and its hyperparameters, the architecture and how it was fitted, feature
names, string class labels, the training history, the random generator's state, the seed of the
held-out split and Adam's step count.  ``nnfit.modelfile`` writes and checks them and knows no
estimator; ``_from_file_parts`` is the way back, once the file has been checked.

The network is rebuilt as it was fitted (its hidden sizes from the stored architecture, its
dropout, dtype, activation and optimizer from ``fitted_as``), its parameters, the optimizer's
running averages and the random generator's state are put back, so that predictions are the
same bits and a warm start continues the fit exactly as it would have gone on without saving.
"""
import numpy as np

from ..modelfile.format import write
from .validation import check_params, make_rng

_SCALARS = (type(None), bool, int, float, str)
_UNSAVED_PARAMS = ("augment", "callbacks")  # functions: not data, so never written
_FITTED_AS = ("dropout", "dtype", "activation", "optimizer")  # _architecture after hidden sizes


class _ModelFile:
    def save(self, path, key=None):
        """Write the fitted model to ``path`` (no pickle; read back with ``nnfit.load``); with
        ``key`` (or NNFIT_MODEL_KEY) signed by an HMAC-SHA256 that ``load(path, key)`` checks."""
        if not hasattr(self, "network_"):
            raise ValueError("this estimator is not fitted yet; call fit before save")
        header, arrays = self._to_file_parts()
        return write(path, header, arrays, key)

    def _to_file_parts(self):
        """(header, arrays) of the fitted estimator, for ``nnfit.modelfile.write``."""
        params, skipped = _json_params(self.get_params(deep=False))
        network, optimizer = self.network_, self._optimizer
        layers = [d.n_in for d in network.dense[:1]] + [d.n_out for d in network.dense]
        header = {
            "estimator": type(self).__name__, "params": params, "params_not_saved": skipped,
            "architecture": layers, "n_features_in": int(self.n_features_in_),
            "feature_names_in": _str_list(getattr(self, "feature_names_in_", None)),
            "history": {k: [_plain(v) for v in values] for k, values in self.history_.items()},
            "best_epoch": int(self.best_epoch_ or 0),
            "interrupted": bool(self.interrupted_), "n_iter": int(self.n_iter_),
            "rng_state": self._rng.bit_generator.state,
            "split_seed": getattr(self, "_split_seed", None),  # the held-out rows of a warm start
            "fitted_as": self._architecture,  # what a warm start must keep (params may differ)
            "optimizer_steps": getattr(optimizer, "t", None),
        }
        copy = lambda a: np.array(network.backend.to_numpy(a))  # noqa: E731 (a snapshot)
        arrays = {"theta": copy(network.theta), "x_scale": self._x_scale}
        weights = self.get_params(deep=False).get("class_weight")
        if isinstance(weights, dict):  # JSON objects have string keys only: (label, w) pairs
            header["class_weight_pairs"] = [[_plain(k), float(w)] for k, w in weights.items()]
            header["params_not_saved"] = [n for n in skipped if n != "class_weight"]
        for name in optimizer.state_names:
            value = getattr(optimizer, name)
            if value is not None:
                arrays["optimizer_" + name] = copy(value)
        if self._x_mean is not None:
            arrays["x_mean"] = self._x_mean
        if hasattr(self, "classes_"):
            header["classes"] = _classes_entry(self.classes_, arrays)
        else:
            arrays["target_mean"], arrays["target_scale"] = self._target_mean, self._target_scale
            header["target_ndim"] = int(self._target_ndim)
        return header, arrays

    @classmethod
    def _from_file_parts(cls, header, arrays):
        """The fitted estimator of a checked model file's header and arrays."""
        if header.get("estimator") != cls.__name__:
            raise ValueError(f"the model file holds a {header.get('estimator')!r}, not a "
                             f"{cls.__name__}")
        layers = header["architecture"]
        params = {k: tuple(v) if isinstance(v, list) else v for k, v in header["params"].items()}
        # the network is rebuilt as it was saved: its hidden sizes come from the stored
        # architecture (older files lack a hidden_layer_sizes that was given as a NumPy array)
        hidden = tuple(int(n) for n in layers[1:-1])
        stored = params.get("hidden_layer_sizes")
        if (stored,) != hidden and stored != hidden:
            params["hidden_layer_sizes"] = hidden
        params["device"] = "cpu"  # a loaded model runs on NumPy until set_params(device=...)
        est = cls(**params)
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
        if "class_weight_pairs" in header:
            est.set_params(class_weight={label: weight
                                         for label, weight in header["class_weight_pairs"]})
        bit_generator = getattr(np.random, header["rng_state"]["bit_generator"])()
        bit_generator.state = header["rng_state"]
        est._rng = np.random.Generator(bit_generator)
        if est.network_.theta.shape != arrays["theta"].shape:
            raise ValueError(f"the model file's parameter vector has {arrays['theta'].size} "
                             f"values but its architecture {layers} needs {est.network_.n_params}")
        est.network_.theta[...] = arrays["theta"]
        est._restore_optimizer(header, arrays)
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

    def _restore_optimizer(self, header, arrays):
        """Put back the optimizer's running averages (and Adam's step count), so that a warm
        start after ``load`` continues the fit exactly as it would have gone on without saving."""
        optimizer, backend, theta = self._optimizer, self.network_.backend, self.network_.theta
        for name in optimizer.state_names:
            if "optimizer_" + name in arrays:
                state = np.array(arrays["optimizer_" + name], dtype=theta.dtype)  # its own copy
                setattr(optimizer, name, backend.asarray(state, theta.dtype))
        if header.get("optimizer_steps") is not None:
            optimizer.t = header["optimizer_steps"]


def _split_seed(header, random_state):
    """The seed of the held-out rows.  Files written before it was stored get it back from an
    integer ``random_state`` (it is the fit's first draw); else None, and a warm start warns."""
    if header.get("split_seed") is not None:
        return header["split_seed"]
    if isinstance(random_state, int) and not isinstance(random_state, bool):
        return int(make_rng(random_state).integers(2**31))
    return None


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
