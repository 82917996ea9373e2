"""Cases of the property-based fuzz (issue 11), shared by ``test_fuzz_*.py`` and ``fuzz_report.py``.

Each ``*_case(draw)`` draws one case from hypothesis, runs it and returns ``(verdict, detail)``,
the verdict one of: a correct result; a clean error (a ValueError/TypeError raised deliberately,
by nnfit or scikit-learn's input validation, saying what is wrong; for the command line exit
status 2 and one line on stderr); an unclear error (a ValueError/TypeError from deep inside
NumPy or Python, e.g. "'<' not supported", or a valid input refused); a silent wrong result
(NaN or infinite output, an invalid value accepted); a crash (any other exception).
"""
import contextlib
import io
import json
import math
import numbers
import traceback
import warnings
from pathlib import Path

import numpy as np
from hypothesis import strategies as st

from nnfit import MLPClassifier, MLPRegressor

CORRECT, CLEAN, UNCLEAR, WRONG, CRASH = ("correct result", "clean error", "unclear error",
                                         "silent wrong result", "crash")
VERDICTS = (CORRECT, CLEAN, UNCLEAR, WRONG, CRASH)
INTERNAL = ("not supported between instances", "is not iterable", "has no len",
            "unhashable type", "could not be broadcast", "non-broadcastable",
            "setting an array element", "cannot be interpreted as", "invalid literal",
            "must be real number", "NoneType", "index out of", "out of bounds",
            "Unable to allocate", "has no attribute", "unsupported operand", "could not convert",
            "Cannot cast", "ufunc", "object arrays are not supported")
DELIBERATE = ("/nnfit/", "sklearn/utils/validation.py", "sklearn/utils/multiclass.py",
              "sklearn/utils/_param_validation.py")


def unclear(error):
    """A ValueError/TypeError that NumPy or Python raised on the way, not a deliberate check."""
    if any(text in str(error) for text in INTERNAL) or not str(error).strip():
        return True
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and not any(part in frames[-1].filename for part in DELIBERATE)


def run(action, check):
    """Verdict of ``action()``, whose result ``check`` asserts to be right."""
    try:
        with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()), \
                contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            result = action()
    except (ValueError, TypeError) as error:
        return (UNCLEAR if unclear(error) else CLEAN), f"{type(error).__name__}: {error}"
    except Exception as error:  # noqa: BLE001 - anything else is what the fuzz looks for
        return CRASH, f"{type(error).__name__}: {error}"
    try:
        check(result)
    except AssertionError as error:
        return WRONG, str(error)
    except Exception as error:  # noqa: BLE001 - e.g. a warm start after loading that crashed
        return CRASH, f"after the result: {type(error).__name__}: {error}"
    return CORRECT, ""


def finite_predictions(model, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        predicted = np.asarray(model.predict(X))
    assert len(predicted) == len(X), f"{len(predicted)} predictions for {len(X)} rows"
    if hasattr(model, "classes_"):
        P = model.predict_proba(X)
        assert P.shape == (len(X), len(model.classes_)), f"probabilities of shape {P.shape}"
        assert np.isfinite(P).all() and np.allclose(P.sum(axis=1), 1), "probabilities not finite"
        assert np.isin(predicted, model.classes_).all(), "a prediction outside classes_"
    else:
        assert np.isfinite(predicted.astype(np.float64)).all(), "non-finite predictions"
    stats = [getattr(model, "_x_scale", None), getattr(model, "_x_mean", None)]
    assert all(s is None or np.isfinite(s).all() for s in stats), "non-finite standardization"
    return predicted


# --- hyperparameters ---------------------------------------------------------------------------
def _real(v):
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def _int(v, low=1):
    return isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)) and v >= low


def _seq(v):
    return isinstance(v, (list, tuple)) or isinstance(v, np.ndarray) and v.ndim == 1


def _one_of(v, options):
    return isinstance(v, str) and v in options


def valid_param(name, v, n_hidden=1):
    """Whether ``v`` is a documented value of hyperparameter ``name`` (an oracle for the fuzz)."""
    rates = lambda x: _real(x) and 0 <= x < 1  # noqa: E731
    penalty = lambda x: _real(x) and 0 <= x < math.inf  # noqa: E731
    checks = {
        "hidden_layer_sizes": lambda: _int(v) or _seq(v) and all(_int(h) for h in v),
        "activation": lambda: _one_of(v, ("relu", "sigmoid", "logistic", "tanh", "identity")),
        "dropout": lambda: rates(v) or _seq(v) and len(v) == n_hidden and all(map(rates, v)),
        "ridge": lambda: penalty(v) or _seq(v) and len(v) == n_hidden + 1 and all(map(penalty, v)),
        "lasso": lambda: penalty(v) or _seq(v) and len(v) == n_hidden + 1 and all(map(penalty, v)),
        "optimizer": lambda: _one_of(v, ("gd", "sgd", "nesterov", "rmsprop", "adam")),
        "learning_rate": lambda: _real(v) and 0 < v < math.inf,
        "learning_rate_decay": lambda: _real(v) and 0 < v <= 1,
        "batch_size": lambda: _int(v), "epochs": lambda: _int(v), "patience": lambda: _int(v),
        "validation_fraction": lambda: _real(v) and 0 <= v < 1,
        "early_stopping": lambda: isinstance(v, (bool, np.bool_)) or _one_of(v, ("auto",)),
        "warm_start": lambda: isinstance(v, (bool, np.bool_)),
        "standardize": lambda: isinstance(v, (bool, np.bool_)),
        "monitor": lambda: _one_of(v, ("loss", "score")),
        "tol": lambda: _real(v) and 0 <= v < math.inf,
        "random_state": lambda: v is None or _int(v, 0),
        "verbose": lambda: isinstance(v, bool) or _int(v, 0) and v <= 2,
        "dtype": lambda: _one_of(v, ("float32", "float64")),
    }
    return bool(checks[name]())


ODD_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([2**40, -(2**63)]),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5),
    st.sampled_from(["relu", "adam", "gd", "loss", "score", "float64", "no", "1", "auto"]),
    st.lists(st.one_of(st.integers(-1, 4), st.floats(-0.5, 1.5), st.none()), max_size=3).map(tuple),
    st.just(np.float64(0.5)), st.just(np.int64(3)), st.just({"a": 1}))
ARRAYS = st.sampled_from([np.array([2, 3]), np.array(0.5), np.array(["relu"])])
SMALL_VALID = {"hidden_layer_sizes": st.sampled_from([(), (3,), (4, 2), 5]),
               "epochs": st.integers(1, 4), "batch_size": st.integers(1, 64),
               "patience": st.integers(1, 3)}
PARAMS = sorted(["hidden_layer_sizes", "activation", "dropout", "ridge", "lasso", "optimizer",
                 "learning_rate", "learning_rate_decay", "batch_size", "epochs", "patience",
                 "validation_fraction", "early_stopping", "warm_start", "standardize", "monitor",
                 "tol", "random_state", "verbose", "dtype"])


def _data(classifier):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 1) if classifier else X[:, 0] - X[:, 1]
    return X, y


def hyperparameter_case(draw, names=PARAMS, arrays=True):
    """One hyperparameter set to an odd or a valid value (NumPy arrays too with ``arrays``)."""
    classifier = draw(st.booleans())
    name = draw(st.sampled_from(names))
    odd = st.one_of(ODD_VALUES, ARRAYS) if arrays else ODD_VALUES
    value = draw(st.one_of(odd, SMALL_VALID.get(name, odd)))
    params = {"hidden_layer_sizes": (3,), "epochs": 3, "random_state": 0, name: value}
    if name in ("epochs", "patience") and _int(value):
        params[name] = min(value, 5)
    model = (MLPClassifier if classifier else MLPRegressor)(**params)
    X, y = _data(classifier)
    hidden = params["hidden_layer_sizes"]
    n_hidden = 1 if _int(hidden) else len(hidden) if _seq(hidden) else 1
    ok = valid_param(name, params[name], n_hidden)
    verdict, detail = run(lambda: model.fit(X, y), lambda m: finite_predictions(m, X))
    if verdict == CORRECT and not ok:
        verdict, detail = WRONG, f"accepted {name}={params[name]!r}"
    elif verdict == CLEAN and ok and "diverged" not in detail \
            and "more than this machine" not in detail:  # a network too large for the memory
        verdict = UNCLEAR  # a valid value refused
    elif verdict == CLEAN and name not in detail and "diverged" not in detail:
        verdict = UNCLEAR  # the message does not name the option
    return verdict, f"{type(model).__name__}({name}={params[name]!r}): {detail}"


# --- input arrays ------------------------------------------------------------------------------
ODD_NUMBERS = st.sampled_from([0.0, 1.0, -2.5, np.nan, np.inf, -np.inf, 1e308, -1e308, 1e-320,
                               1e200, 3e38, 7.0])
ODD_LABELS = st.sampled_from([0, 1, 2, "a", "b", None, True, False, 1.5, np.nan, b"x", (1,)])


def array_case(draw, ordinary=False):
    """Odd arrays; with ``ordinary`` only finite moderate numbers of any numeric dtype and
    integer or string labels."""
    if ordinary:
        return _ordinary_array_case(draw)
    classifier = draw(st.booleans())
    n, p = draw(st.integers(0, 7)), draw(st.integers(0, 3))
    kind = draw(st.sampled_from(["float", "int", "bool", "float16", "object", "str", "complex",
                                 "ragged"]))
    cells = [[draw(ODD_NUMBERS) for _ in range(p)] for _ in range(n)]
    if kind == "ragged":
        X = [row + [1.0] if i == 0 else row for i, row in enumerate(cells)]
    elif kind == "object":
        X = np.array(cells, dtype=object).reshape(n, p)
        if n and p:
            X[0, 0] = draw(st.sampled_from(["1.5", "a", None, [1]]))
    else:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            base = np.array(cells, dtype=float).reshape(n, p)
            X = base.astype({"float": float, "int": np.int64, "bool": bool, "float16": np.float16,
                             "str": str, "complex": complex}[kind]) if kind != "int" else \
                np.nan_to_num(base).clip(-1e6, 1e6).astype(np.int64)
    y = ([draw(ODD_LABELS) for _ in range(n)] if classifier
         else [draw(ODD_NUMBERS) for _ in range(n)])
    if draw(st.booleans()) and n:  # the ordinary case too: finite numbers and two labels
        X = np.random.default_rng(n).normal(size=(n, max(p, 1))) * draw(st.sampled_from([1, 1e6]))
        y = [i % 2 for i in range(n)] if classifier else list(np.arange(n) * draw(
            st.sampled_from([1.0, 1e200, -1e-300])))
    model = (MLPClassifier if classifier else MLPRegressor)((3,), epochs=2, random_state=0,
                                                            validation_fraction=0)
    verdict, detail = run(lambda: model.fit(X, y), lambda m: finite_predictions(m, X))
    return verdict, f"{type(model).__name__} X={kind} {n}x{p} y={str(y)[:60]}: {detail}"


def _ordinary_array_case(draw):
    classifier = draw(st.booleans())
    n, p = draw(st.integers(2, 30)), draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    X = rng.normal(size=(n, p)) * draw(st.sampled_from([1e-3, 1.0, 1e3]))
    X = X.astype(draw(st.sampled_from([np.float64, np.float32, np.float16, np.int64, bool])))
    if classifier:
        labels = draw(st.sampled_from([[0, 1], [3, 7, 9], ["a", "b"], ["x", "y", "z"],
                                       [True, False]]))
        y = [labels[i % len(labels)] for i in range(n)]
    else:
        y = rng.normal(size=n) * draw(st.sampled_from([1e-3, 1.0, 1e4]))
    model = (MLPClassifier if classifier else MLPRegressor)(
        (3,), epochs=2, random_state=0, validation_fraction=draw(st.sampled_from([0.0, 0.2])),
        standardize=draw(st.booleans()))
    verdict, detail = run(lambda: model.fit(X, y), lambda m: finite_predictions(m, X))
    return verdict, f"{type(model).__name__} X={X.dtype} {n}x{p} y={str(y)[:40]}: {detail}"


# --- model files -------------------------------------------------------------------------------
def _members(path):
    with np.load(path, allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def _save_members(path, header, arrays):
    from nnfit.modelfile.format import HEADER, canonical, digest
    header = dict(header)
    header["sha256"] = digest(header, arrays)
    arrays = dict(arrays)
    arrays[HEADER] = np.frombuffer(canonical(header), dtype=np.uint8)
    with open(path, "wb") as file:
        np.savez(file, **arrays)


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2, 10**6), st.floats(allow_nan=True),
              st.text(max_size=4), st.sampled_from([10**30, -1, 0, 2**31, "adam", "float16"])),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                max_size=2), max_leaves=6)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value[:4]):
            yield from _paths(v, prefix + (i,))


def _edit_header(draw, header):
    header = json.loads(json.dumps(header))
    path = draw(st.sampled_from([p for p in _paths(header) if p]))
    parent = header
    for part in path[:-1]:
        parent = parent[part]
    action = draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "delete":
        del parent[path[-1]]
    elif action == "add" and isinstance(parent, dict):
        parent[draw(st.text(max_size=4))] = draw(JSON_VALUES)
    else:
        parent[path[-1]] = draw(JSON_VALUES)
    return header, f"{action} {list(path)}"


def _edit_array(draw, arrays):
    name = draw(st.sampled_from(sorted(arrays)))
    a = arrays[name]
    how = draw(st.sampled_from(["value", "cut", "extend", "dtype", "2d", "drop", "add"]))
    arrays = dict(arrays)
    if how == "value" and a.size and a.dtype.kind in "fiu":
        a = a.copy()
        odd = [np.nan, np.inf, 0, -1, 1e30] if a.dtype.kind == "f" else [0, -1, 2**31 - 1, 7]
        a[draw(st.integers(0, a.size - 1))] = draw(st.sampled_from(odd))
    elif how == "cut":
        a = a[: draw(st.integers(0, max(a.size - 1, 0)))]
    elif how == "extend":
        a = np.concatenate([a, a[:1].repeat(draw(st.integers(1, 3)))])
    elif how == "dtype":
        a = a.astype(draw(st.sampled_from([np.float16, np.float32, np.float64, np.int64, "<U3"])))
    elif how == "2d" and a.size:
        a = a.reshape(1, -1)
    elif how == "drop":
        del arrays[name]
        return arrays, f"drop {name}"
    elif how == "add":
        arrays[draw(st.sampled_from(["optimizer_m", "optimizer_velocity", "extra", "classes"]))] = a
    arrays[name] = a
    return arrays, f"{how} {name}"


def model_file_case(draw, files, X, y):
    """``files``: {kind: path of a saved model}; a mutated copy is loaded and used."""
    from nnfit import load
    from nnfit.modelfile.format import HEADER
    kind = draw(st.sampled_from(sorted(files)))
    original = Path(files[kind])
    raw = original.read_bytes()
    target = original.with_name("fuzzed.nnfit")
    mutation = draw(st.sampled_from(["flip", "truncate", "header", "array"]))
    if mutation == "flip":
        data = bytearray(raw)
        for _ in range(draw(st.integers(1, 3))):
            data[draw(st.integers(0, len(data) - 1))] ^= draw(st.integers(1, 255))
        target.write_bytes(bytes(data))
        what = "byte flips"
    elif mutation == "truncate":
        target.write_bytes(raw[: draw(st.integers(0, len(raw) - 1))])
        what = "truncated"
    else:
        arrays = _members(original)
        header = json.loads(arrays.pop(HEADER).tobytes())
        if mutation == "header":
            header, what = _edit_header(draw, header)
        else:
            arrays, what = _edit_array(draw, arrays)
        _save_members(target, header, arrays)
    reference = load(original)
    expected = np.asarray(reference.predict(X))

    def use():
        model = load(target)
        return model, finite_predictions(model, X)

    def check(result):
        model, predicted = result
        if mutation in ("flip", "truncate"):  # the digest held: the very same model
            assert np.array_equal(predicted, expected), "a damaged file predicts differently"
        model.set_params(warm_start=True, epochs=1)
        try:  # where the cut optimizer state crashed numba: a clean error is fine here
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(X, y[kind])
        except ValueError as error:
            assert not unclear(error), f"warm start: {error}"

    verdict, detail = run(use, check)
    if verdict in (CLEAN, UNCLEAR) and detail.startswith("ValueError"):
        one_message = "is not a valid nnfit model file: " in detail and "\n" not in detail
        verdict = CLEAN if one_message else UNCLEAR
    return verdict, f"{kind} {what}: {detail[:200]}"


def saved_models(folder):
    """A regressor (Adam), a 3-class classifier (RMSprop, dropout) and a binary one with string
    labels (SGD), saved in ``folder``; returns (files, X, {kind: y})."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 3))
    ys = {"regressor": X[:, 0] * 3 + 1, "classes3": np.digitize(X[:, 0], [-0.4, 0.4]),
          "strings": np.where(X[:, 1] > 0, "yes", "no").astype(object)}
    models = {"regressor": MLPRegressor((4,), epochs=3, random_state=0),
              "classes3": MLPClassifier((4,), dropout=0.2, optimizer="rmsprop", epochs=3,
                                        random_state=0),
              "strings": MLPClassifier((), optimizer="sgd", epochs=3, random_state=0)}
    files = {kind: model.fit(X, ys[kind]).save(Path(folder) / f"{kind}.nnfit")
             for kind, model in models.items()}
    return files, X, ys


# --- CSV tables through the command line -------------------------------------------------------
CELLS = st.sampled_from(["1", "2.5", "-3", "0", "", "nan", "NA", "inf", "-inf", "1e308", "1e400",
                         "abc", "b", "é", "true", "False", '"1,5"', " 7 ", "0x1F", "1e-320"])


def cli_main(argv):
    """(exit status, stderr) of ``nnfit argv`` run in this process."""
    from nnfit.cli import main
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            status = main(argv)
        except SystemExit as exit_:
            status = exit_.code
    return status, err.getvalue()


TAME_CELLS = st.sampled_from(["1", "2.5", "-3", "0", "", "nan", "NA", "abc", "b", "é", "true",
                              "False", '"1,5"', " 7 ", "0x1F", "1e-320"])


def csv_case(draw, folder, cells=CELLS):
    """A small CSV table through ``nnfit fit`` and ``nnfit predict``; ``cells`` draws odd cells."""
    folder = Path(folder)
    n_cols, n_rows = draw(st.integers(1, 4)), draw(st.integers(0, 12))
    names = [draw(st.sampled_from(["x", "y", "z", "a b", "é", "", "1", "y"])) + str(i)
             for i in range(n_cols)]
    names[-1] = "target"
    regular = draw(st.booleans())
    rows = []
    for r in range(n_rows):
        if regular:  # numbers, a category, a numeric or a two-label target
            row = [str(round(math.sin(r * (c + 1)) * 10, 3)) for c in range(n_cols - 1)]
            row.append(str(r % 2) if draw(st.booleans()) else str(r * 1.5))
            row[0] = draw(cells) if draw(st.integers(0, 5)) == 0 else row[0]
        else:
            row = [draw(cells) for _ in range(n_cols)]
        rows.append(",".join(row))
    text = ",".join(names) + "\n" + "\n".join(rows) + ("\n" if rows else "")
    data = folder / "table.csv"
    data.write_bytes(text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]))))
    model, predictions = folder / "model.nnfit", folder / "predictions.csv"
    for path in (model, predictions):
        path.unlink(missing_ok=True)
    argv = ["fit", str(data), "--target", "target", "--epochs", "2", "--quiet", "--hidden", "3",
            "--validation", draw(st.sampled_from(["0", "0.2"])), "--out", str(model)]
    status, err = cli_main(argv)
    if status == 0:
        status, err = cli_main(["predict", str(model), str(data), "--out", str(predictions)])
        if status == 0:
            import pandas as pd

            from nnfit import load
            column = pd.read_csv(predictions).iloc[:, 1]
            regression = not hasattr(load(model), "classes_")  # a label may read as "inf"
            if regression and not np.isfinite(column.to_numpy(np.float64)).all():
                return WRONG, f"non-finite predictions for {text[:80]!r}"
            return CORRECT, ""
    lines = err.strip().splitlines()
    if status == 2 and len(lines) == 1 and not any(t in err for t in INTERNAL):
        return CLEAN, lines[0]
    if status == 2 and lines and lines[-1].startswith("nnfit") and "usage:" in err:
        return CLEAN, lines[-1]  # argparse: usage line and one error line
    kind = CRASH if status not in (0, 2) else UNCLEAR
    return kind, f"exit {status} for {text[:80]!r}: {err.strip()[-300:]}"


# --- determinism -------------------------------------------------------------------------------
def determinism_case(draw, folder):
    from nnfit import load
    classifier = draw(st.booleans())
    seed = draw(st.integers(0, 2**31 - 1))
    n = draw(st.integers(5, 60))
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, draw(st.integers(1, 4))))
    y = (X[:, 0] > 0).astype(int) if classifier else X[:, 0] * 2
    if classifier and len(set(y)) < 2:
        y[0] = 1 - y[0]
    params = dict(hidden_layer_sizes=draw(st.sampled_from([(), (3,), (5, 2)])),
                  dropout=draw(st.sampled_from([0.0, 0.3])),
                  optimizer=draw(st.sampled_from(["gd", "sgd", "nesterov", "rmsprop", "adam"])),
                  dtype=draw(st.sampled_from(["float32", "float64"])),
                  batch_size=draw(st.integers(1, 32)), epochs=draw(st.integers(1, 4)),
                  random_state=draw(st.integers(0, 2**32 - 1)))
    make = MLPClassifier if classifier else MLPRegressor

    def twice():
        a, b = make(**params).fit(X, y), make(**params).fit(X, y)
        return a, b

    def check(result):
        a, b = result
        assert np.array_equal(a.network_.theta, b.network_.theta), "two fits differ"
        loaded = load(a.save(Path(folder) / "d.nnfit"))
        assert np.array_equal(np.asarray(loaded.predict(X)), np.asarray(a.predict(X))), \
            "the loaded model predicts differently"
        finite_predictions(a, X)

    verdict, detail = run(twice, check)
    if verdict == CLEAN and "diverged" not in detail:
        verdict = UNCLEAR  # every case here is valid
    return verdict, f"{make.__name__}({params}): {detail}"


# --- sample weights, save targets, swamped columns (issue 26) ----------------------------------
ODD_WEIGHTS = st.sampled_from([0.0, 1.0, 2.5, 1e-320, 1e200, 1e308, -1.0, -0.0, np.nan, np.inf])


def valid_weights(w, n):
    """Whether ``w`` is a documented sample_weight for n rows: None, a number, or n finite
    numbers >= 0 whose float64 sum is positive and finite (an oracle for the fuzz)."""
    if w is None:
        return True
    if _real(w):
        w = np.full(n, float(w))
    try:
        a = np.asarray(w, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    with np.errstate(over="ignore"):
        return bool(a.shape == (n,) and np.isfinite(a).all() and (a >= 0).all()
                    and 0 < a.sum() < math.inf)


def weights_case(draw):
    """``fit`` and ``score`` with the same odd sample_weight: both refuse it cleanly, or both
    take it (a finite score); a valid one is never refused but by the one-class rule."""
    classifier = draw(st.booleans())
    n = draw(st.integers(3, 12))
    X = np.random.default_rng(n).normal(size=(n, 2))
    y = np.arange(n) % 2 if classifier else X[:, 0] - X[:, 1]
    shape = draw(st.sampled_from(["array", "scalar", "short", "2d", "text", "none"]))
    cells = [draw(ODD_WEIGHTS) for _ in range(n)]
    w = {"array": cells, "scalar": cells[0], "short": cells[:-1], "2d": [cells],
         "text": ["1"] * n, "none": None}[shape]
    if shape == "scalar" and draw(st.booleans()):
        w = draw(st.sampled_from([True, "2", np.float64(2.0)]))
    make = MLPClassifier if classifier else MLPRegressor
    ok = valid_weights(w, n) and not isinstance(w, (bool, str))
    shown = f"{make.__name__} sample_weight={str(w)[:60]}"
    verdict, detail = run(lambda: make((), epochs=2, random_state=0, validation_fraction=0)
                          .fit(X, y, sample_weight=w), lambda m: finite_predictions(m, X))
    if verdict == CORRECT and not ok:
        return WRONG, f"{shown}: fit accepted it"
    refusable = ("positive weight", "beyond the range of")  # one class left; y overflows
    if verdict == CLEAN and ok and not any(text in detail for text in refusable):
        return UNCLEAR, f"{shown}: a valid weight refused: {detail}"
    fitted = make((), epochs=2, random_state=0, validation_fraction=0).fit(X, y)
    scored, detail_s = run(lambda: fitted.score(X, y, sample_weight=w),
                           lambda s: np.testing.assert_(math.isfinite(s), f"score {s}"))
    if (scored == CORRECT) != (verdict == CORRECT) and not (
            verdict == CLEAN and any(text in detail for text in refusable)):
        return WRONG, f"{shown}: fit {verdict} ({detail[:80]}) but score {scored} ({detail_s[:80]})"
    return (verdict, f"{shown}: {detail}") if verdict != CORRECT else (scored, f"{shown}: {detail_s}")


def save_case(draw, folder):
    """``save`` onto odd targets: a file is written, or our own message names the path."""
    folder = Path(folder)
    model = MLPClassifier((), epochs=1, random_state=0).fit(*_data(True))
    kind = draw(st.sampled_from(["file", "folder", "missing folder", "current folder", "existing"]))
    target = {"file": folder / "m.nnfit", "folder": folder, "current folder": Path("."),
              "missing folder": folder / "nowhere" / "m.nnfit", "existing": folder / "m.nnfit"}[kind]
    if kind == "existing":
        target.write_bytes(b"old")
    try:
        written = model.save(target)
    except OSError as error:
        ours = str(error).startswith("cannot save the model as ")
        return (CLEAN if ours else UNCLEAR), f"save onto {kind}: {type(error).__name__}: {error}"
    if not Path(written).is_file():
        return WRONG, f"save onto {kind}: no file at {written}"
    return CORRECT, ""


def swamp_case(draw):
    """One odd value planted among values near 1: the swamp warning comes exactly when the
    definition (the other rows' sd below 1e-2 of the column's, in exact arithmetic) holds."""
    from fractions import Fraction
    n = draw(st.integers(3, 30))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    X = 1 + 0.1 * rng.normal(size=(n, 2))
    X[draw(st.integers(0, n - 1)), 1] = draw(st.sampled_from(
        [1.5, 3.0, 10.0, 1e3, 1e6, 1e12, 1e100, 1e308, -1e308, -50.0]))
    x = [Fraction(v) for v in X[:, 1]]
    mean = sum(x) / n
    i = max(range(n), key=lambda r: abs(x[r] - mean))
    rest = x[:i] + x[i + 1:]
    rest_mean = sum(rest) / (n - 1)
    rest_var = sum((v - rest_mean) ** 2 for v in rest) / (n - 1)
    expected = 0 < rest_var < Fraction(1, 10**4) * sum((v - mean) ** 2 for v in x) / n
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        try:
            MLPRegressor((), epochs=1, random_state=0, validation_fraction=0).fit(X, X[:, 0])
        except (ValueError, TypeError) as error:
            return (UNCLEAR if unclear(error) else CLEAN), f"{error}"
    said = any("swamps its column's scaling" in str(w.message) for w in record)
    if said != expected:
        return WRONG, (f"{'no ' if expected else ''}swamp warning expected for "
                       f"{float(X[i, 1]):g} among {n} rows near 1")
    return CORRECT, ""
