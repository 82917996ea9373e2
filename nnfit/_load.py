"""``nnfit.load``: the one place that knows every floor a model file can come from.

``nnfit.modelfile`` reads and checks a file's header and arrays without knowing any model
class; the header's ``estimator`` names the estimator that rebuilds itself from them
(``_from_file_parts``, ``nnfit.estimators.serialize``), and a ``tabular`` section in the header
wraps it in the tabular model of the same task (``nnfit.tabular.state``).  Every problem with
the file is one ValueError "<path> is not a valid nnfit model file: <why>".
"""
from pathlib import Path

from .estimators.classifier import MLPClassifier
from .estimators.ensemble import MLPEnsemble
from .estimators.regressor import MLPRegressor
from .estimators.survival import MLPSurvival
from .modelfile.ensemble import is_ensemble, split_array_name
from .modelfile.format import read, resolve_key
from .modelfile.zipread import InvalidModelFile
from .tabular.models import TabularClassifier, TabularRegressor
from .tabular.survival import TabularSurvival

# the header's "estimator": (the estimator, the tabular model around it when "tabular" is there)
KINDS = {"MLPClassifier": (MLPClassifier, TabularClassifier),
         "MLPRegressor": (MLPRegressor, TabularRegressor),
         "MLPSurvival": (MLPSurvival, TabularSurvival)}
_TABULAR_PREFIX = "the model file is not a valid nnfit model: "


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
    MLPClassifier, MLPRegressor, MLPSurvival, tabular model or MLPEnsemble
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
    key = resolve_key(key)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}")
    try:
        header, arrays = read(path, _param_names(), key)
        return _rebuilt(header, arrays)
    except InvalidModelFile as error:
        raise ValueError(f"{path} is not a valid nnfit model file: {error}") from None


def _param_names():
    """{estimator name: its hyperparameters' names}, which a header's ``params`` may use."""
    return {name: estimator().get_params(deep=False) for name, (estimator, _) in KINDS.items()}


def _rebuilt(header, arrays):
    """The model of a checked file: the estimator, wrapped in its tabular model if there is one;
    an ensemble's members each so, then the ensemble around them."""
    if is_ensemble(header):
        parts = [{} for _ in header["members"]]
        for name, array in arrays.items():
            k, own = split_array_name(name)
            parts[k][own] = array
        members = [_rebuilt(h, part) for h, part in zip(header["members"], parts)]
        try:
            return MLPEnsemble._from_file_parts(header, members)
        except (ValueError, TypeError, KeyError) as error:
            raise InvalidModelFile(f"its members do not make an ensemble ({error})") from error
    estimator_class, tabular_class = KINDS[header["estimator"]]
    try:
        estimator = estimator_class._from_file_parts(header, arrays)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
        raise InvalidModelFile(f"its settings do not rebuild a model ({error})") from error
    if "tabular" not in header:
        return estimator
    try:  # from_dict checks the tabular section in full and says what is wrong
        return tabular_class._from_file_parts(header, estimator)
    except ValueError as error:
        raise InvalidModelFile(str(error).removeprefix(_TABULAR_PREFIX)) from error
