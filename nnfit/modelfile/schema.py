"""What a model file's header must be, checked key by key before anything in it is used.

``check_header`` gives every key ``save`` writes a type and a range; keys that older files lack
are optional, and an unknown top-level key is refused (a file from a newer nnfit, or an edited
one).  Inside ``tabular`` only what nnfit needs to be safe is checked (finite means, sds > 0, the
number of features), and extra keys there are left to ``TabularPreprocessor.from_dict``
deliberately.  The checked header fixes the arrays (``arrays``).  The limits
(``MAX_PARAMS`` parameters, ``MAX_WIDTH`` units a layer) are far above any network of the course
(MNIST's 784-256-128-10 has 235,146 parameters).
"""
import math

import numpy as np

from ..engine.activations import ACTIVATIONS
from ..engine.optimizers import OPTIMIZERS
from .zipread import MAX_LABEL_CHARS, InvalidModelFile

FORMAT_VERSION = 1
MAX_PARAMS = 2**28
MAX_WIDTH = 2**24
ESTIMATORS = ("MLPClassifier", "MLPRegressor", "MLPSurvival")
MAX_TIMES = 2**26  # distinct times of a survival model's baseline hazard
DTYPES = ("float32", "float64")
# the running state each optimizer keeps with its defaults (a file stores all of it, or none)
STATE_NAMES = {name: tuple(kind().state_names) for name, kind in OPTIMIZERS.items()}
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
_SCALAR = (type(None), bool, int, float, str)


def fail(why):
    raise InvalidModelFile(why)


def _is_int(value, low=0, high=math.inf):
    return type(value) is int and low <= value <= high


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _need(ok, key, expected, value):
    if not ok:
        shown = repr(value) if len(repr(value)) < 80 else repr(value)[:77] + "..."
        fail(f"its header's {key!r} is {shown}; expected {expected}")


def _named(value, options):
    """``value`` is one of the names ``options`` (a str: a list or dict is never looked up)."""
    return isinstance(value, str) and value in options


def _str_list(value, length=None):
    return (isinstance(value, list) and all(isinstance(v, str) for v in value)
            and (length is None or len(value) == length))


def check_version(header):
    version = header.get("format_version")
    _need(_is_int(version, 1), "format_version", "an integer >= 1", version)
    if version > FORMAT_VERSION:
        fail(f"it has model format version {version}, newer than the version {FORMAT_VERSION} "
             f"this nnfit reads (written by nnfit {str(header.get('nnfit_version'))[:20]}); "
             "upgrade nnfit: pip install -U nnfit")


def check_header(header, param_names):
    """Validate every key of ``header``; ``param_names`` maps an estimator name to the names of
    its hyperparameters.  Returns the facts the arrays are checked against."""
    check_version(header)
    known = {"format_version", "nnfit_version", "estimator", "params", "params_not_saved",
             "architecture", "n_features_in", "feature_names_in", "history", "best_epoch",
             "interrupted", "n_iter", "rng_state", "split_seed", "fitted_as", "optimizer_steps",
             "classes", "target_ndim", "tabular", "sha256", "hmac_sha256", "class_weight_pairs",
             "n_unique_times"}
    unknown = sorted(set(header) - known)
    if unknown:
        fail(f"its header has unknown key(s) {unknown[:5]} (written by a newer nnfit? "
             "pip install -U nnfit)")
    required = ["nnfit_version", "estimator", "params", "params_not_saved", "architecture",
                "n_features_in", "feature_names_in", "history", "best_epoch", "interrupted",
                "n_iter", "rng_state", "sha256"]
    missing = [key for key in required if key not in header]
    if missing:
        fail(f"its header lacks the key(s) {missing}")
    h = header
    _need(isinstance(h["nnfit_version"], str) and len(h["nnfit_version"]) < 64, "nnfit_version",
          "a version string", h["nnfit_version"])
    _need(_named(h["estimator"], ESTIMATORS), "estimator", f"one of {list(ESTIMATORS)}", h["estimator"])
    classifier = h["estimator"] == "MLPClassifier"
    _check_params(h["params"], param_names[h["estimator"]])
    if "class_weight_pairs" in h:
        pairs = h["class_weight_pairs"]
        _need(classifier and isinstance(pairs, list) and len(pairs) <= 10_000 and all(
            isinstance(p, list) and len(p) == 2 and isinstance(p[0], _SCALAR)
            and p[0] is not None and (not isinstance(p[0], str) or len(p[0]) <= 100)
            and _is_number(p[1]) and math.isfinite(p[1]) and p[1] >= 0 for p in pairs),
            "class_weight_pairs", "a classifier's list of [label, weight >= 0] pairs", pairs)
    _need(_str_list(h["params_not_saved"]), "params_not_saved", "a list of names",
          h["params_not_saved"])
    layers = h["architecture"]
    _need(isinstance(layers, list) and 2 <= len(layers) <= 1000
          and all(_is_int(n, 1, MAX_WIDTH) for n in layers), "architecture",
          f"a list of 2 or more layer widths between 1 and {MAX_WIDTH}", layers)
    n_params = sum((a + 1) * b for a, b in zip(layers[:-1], layers[1:]))
    if n_params > MAX_PARAMS:
        fail(f"its architecture {layers[:8]} declares {n_params:,} parameters, over the limit "
             f"of {MAX_PARAMS:,}")
    n_in, n_out = layers[0], layers[-1]
    _need(h["n_features_in"] == n_in and type(h["n_features_in"]) is int, "n_features_in",
          f"the input width {n_in} of the architecture", h["n_features_in"])
    _need(h["feature_names_in"] is None or _str_list(h["feature_names_in"], n_in),
          "feature_names_in", f"null or a list of {n_in} names", h["feature_names_in"])
    n_iter = _check_history(h["history"], h["n_iter"])
    _need(_is_int(h["best_epoch"], 0, n_iter), "best_epoch", f"an epoch between 0 and {n_iter}",
          h["best_epoch"])
    _need(isinstance(h["interrupted"], bool), "interrupted", "true or false", h["interrupted"])
    _check_rng_state(h["rng_state"])
    _need(h.get("split_seed") is None or _is_int(h["split_seed"], 0, 2**31 - 1), "split_seed",
          "null or an integer in [0, 2^31)", h.get("split_seed"))
    _need(h.get("optimizer_steps") is None or _is_int(h["optimizer_steps"], 0, 2**62),
          "optimizer_steps", "null or a step count >= 0", h.get("optimizer_steps"))
    dtype, optimizer = _check_fitted_as(h, layers)
    _need(isinstance(h["sha256"], str) and len(h["sha256"]) == 64, "sha256",
          "a SHA-256 hex digest", h["sha256"])
    _need(h.get("hmac_sha256") is None or isinstance(h["hmac_sha256"], str)
          and len(h["hmac_sha256"]) == 64, "hmac_sha256", "an HMAC-SHA256 hex digest",
          h.get("hmac_sha256"))
    n_classes = None
    if classifier:
        _need(n_out != 2, "architecture", "1 output unit for 2 classes, or one per class for 3 "
              "or more", layers)
        n_classes = max(n_out, 2)
        _check_classes(h.get("classes"), n_classes)
        _need("target_ndim" not in h, "target_ndim", "absent for a classifier",
              h.get("target_ndim"))
    else:
        _need("classes" not in h, "classes", "absent for a regressor", h.get("classes"))
        _need(h.get("target_ndim") in (1, 2) and (h["target_ndim"] == 2 or n_out == 1)
              and type(h.get("target_ndim")) is int, "target_ndim",
              f"1 (one output) or 2 ({n_out} output(s))", h.get("target_ndim"))
    survival = h["estimator"] == "MLPSurvival"
    if survival or "n_unique_times" in h:
        _need(survival and n_out == 1 and _is_int(h.get("n_unique_times"), 1, MAX_TIMES),
              "n_unique_times", f"a survival model's count of distinct times, 1 to {MAX_TIMES}",
              h.get("n_unique_times"))
    if "tabular" in h:
        _check_tabular(h["tabular"], n_in)
    return {"layers": layers, "n_params": n_params, "dtype": dtype, "optimizer": optimizer,
            "classifier": classifier, "n_classes": n_classes,
            "n_unique_times": h.get("n_unique_times")}


def _check_params(params, names):
    _need(isinstance(params, dict), "params", "an object of hyperparameters", params)
    unknown = sorted(set(params) - set(names))
    if unknown:
        fail(f"its header names unknown hyperparameter(s) {unknown[:5]}")
    for name, value in params.items():
        plain = isinstance(value, _SCALAR) or isinstance(value, list) and len(value) <= 1000 \
            and all(isinstance(v, _SCALAR) and not isinstance(v, str) for v in value)
        _need(plain and (not isinstance(value, str) or len(value) <= 100), f"params.{name}",
              "a number, a short string, null or a list of numbers", value)


def _check_history(history, n_iter):
    _need(isinstance(history, dict) and all(isinstance(k, str) and isinstance(v, list)
                                             for k, v in history.items()), "history",
          "an object of lists, one value per epoch", history)
    lengths = {len(v) for v in history.values()}
    _need(len(lengths) <= 1, "history", "lists of equal length", sorted(lengths))
    for key, values in history.items():
        _need(all(_is_number(v) for v in values), f"history.{key}", "a list of numbers",
              values[:5])
    _need(_is_int(n_iter, 0) and n_iter == len(history.get("epoch", [None] * n_iter)), "n_iter",
          "the number of epochs in the history", n_iter)
    return n_iter


def _check_rng_state(state):
    ok = isinstance(state, dict) and _named(state.get("bit_generator"), BIT_GENERATORS)
    _need(ok, "rng_state", f"the state of a numpy bit generator ({', '.join(BIT_GENERATORS)})",
          state)
    try:
        getattr(np.random, state["bit_generator"])().state = state
    except Exception:  # numpy's own check of the state's fields and ranges
        fail(f"its header's 'rng_state' is not a valid {state['bit_generator']} state")


def _check_fitted_as(h, layers):
    """(dtype, optimizer) the network was fitted with: from ``fitted_as``, or from ``params`` in
    files written before it was stored."""
    if "fitted_as" not in h:
        dtype, optimizer = h["params"].get("dtype", "float32"), h["params"].get("optimizer", "adam")
        _need(_named(dtype, DTYPES), "params.dtype", f"one of {list(DTYPES)}", dtype)
        _need(_named(optimizer, STATE_NAMES), "params.optimizer", f"one of {sorted(STATE_NAMES)}",
              optimizer)
        return dtype, optimizer
    fitted = h["fitted_as"]
    _need(isinstance(fitted, list) and len(fitted) == 5, "fitted_as",
          "[hidden sizes, dropout rates, dtype, activation, optimizer]", fitted)
    hidden, dropout, dtype, activation, optimizer = fitted
    _need(hidden == layers[1:-1] and all(type(n) is int for n in hidden), "fitted_as",
          f"hidden sizes {layers[1:-1]} as in the architecture", hidden)
    _need(isinstance(dropout, list) and len(dropout) == len(hidden)
          and all(_is_number(d) and 0 <= d < 1 for d in dropout), "fitted_as",
          f"{len(hidden)} dropout rate(s) in [0, 1)", dropout)
    _need(_named(dtype, DTYPES), "fitted_as", f"a dtype in {list(DTYPES)}", dtype)
    _need(_named(activation, ACTIVATIONS), "fitted_as", f"an activation in {sorted(ACTIVATIONS)}",
          activation)
    _need(_named(optimizer, STATE_NAMES), "fitted_as", f"an optimizer in {sorted(STATE_NAMES)}",
          optimizer)
    return dtype, optimizer


def _check_classes(entry, n_classes):
    ok = isinstance(entry, dict) and entry.get("stored") in ("array", "header")
    _need(ok, "classes", '{"stored": "array"} or {"stored": "header", "labels": [...]}', entry)
    if entry["stored"] == "array":
        _need(set(entry) == {"stored"}, "classes", 'just {"stored": "array"}', entry)
        return
    labels = entry.get("labels")
    _need(_str_list(labels, n_classes) and all(len(v) <= MAX_LABEL_CHARS for v in labels),
          "classes", f"{n_classes} labels, one per class of the output layer", labels)
    _need(labels == sorted(set(labels)), "classes", "distinct labels in sorted order", labels)


def _check_tabular(tabular, n_in):
    ok = isinstance(tabular, dict) and isinstance(tabular.get("target"), str)
    prep = tabular.get("preprocessing") if ok else None
    ok = ok and isinstance(prep, dict) and isinstance(prep.get("numeric"), list) \
        and isinstance(prep.get("categorical"), list)
    _need(ok, "tabular", "the preprocessing step and the target's name", tabular)
    columns = []
    for entry in prep["numeric"]:
        ok = isinstance(entry, dict) and isinstance(entry.get("column"), str) \
            and all(_is_number(entry.get(k)) and math.isfinite(entry[k]) for k in ("mean", "sd"))
        _need(ok and entry["sd"] > 0, "tabular",
              "numeric columns with a finite mean and an sd > 0", entry)
        columns.append(entry["column"])
    width = len(columns)
    for entry in prep["categorical"]:
        ok = isinstance(entry, dict) and isinstance(entry.get("column"), str)
        _need(ok and _str_list(entry.get("categories")) and entry["categories"], "tabular",
              "categorical columns with a list of categories", entry)
        columns.append(entry["column"])
        width += len(entry["categories"])
    _need(len(set(columns)) == len(columns), "tabular", "distinct column names", columns[:10])
    width += len(tabular.get("indicators") or [])  # missingness indicators: one input each
    _need(width == n_in, "tabular", f"columns giving the {n_in} input(s) of the network",
          f"{width} input(s)")
