"""Rebuilding an estimator from a model file's header and arrays, once ``_io`` has checked them.

The network is rebuilt as it was fitted (its hidden sizes from the stored architecture, its
dropout, dtype, activation and optimizer from ``fitted_as``), its parameters, the optimizer's
running averages and the random generator's state are put back, so that predictions are the
same bits and a warm start continues the fit exactly as it would have gone on without saving.
"""
import numpy as np

_FITTED_AS = ("dropout", "dtype", "activation", "optimizer")  # _architecture after its hidden sizes


def rebuild(header, arrays):
    from .classifier import MLPClassifier
    from .regressor import MLPRegressor
    from .validation import check_params, make_rng
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
    if "class_weight_pairs" in header:
        est.set_params(class_weight={label: weight for label, weight in header["class_weight_pairs"]})
    bit_generator = getattr(np.random, header["rng_state"]["bit_generator"])()
    bit_generator.state = header["rng_state"]
    est._rng = np.random.Generator(bit_generator)
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
    from .validation import make_rng
    if header.get("split_seed") is not None:
        return header["split_seed"]
    if isinstance(random_state, int) and not isinstance(random_state, bool):
        return int(make_rng(random_state).integers(2**31))
    return None
