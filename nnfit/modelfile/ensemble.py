"""An ensemble's model file: K members' headers in one header, their arrays under prefixes.

The file of an ensemble of K models (``MLPEnsemble.save``) is a model file whose header is

    {"ensemble": {"estimator", "params", "params_not_saved", "seeds"}, "members": [h_1..h_K],
     "format_version", "nnfit_version", "sha256"[, "hmac_sha256"]}

and whose arrays are each member's, named ``member<k>.<name>`` (k = 0..K-1).  Every member's
header h_k is checked by ``schema.check_header`` exactly as a single model's header is (with the
file's version and digest keys lent to it, which h_k itself may not hold), and fixes member k's
arrays by ``arrays.expected_arrays``: the same dtypes, exact shapes and values as in a file of
its own.  The members must all be of one kind (the same estimator, all tabular or none);
1 <= K <= ``MAX_MEMBERS``, so a file has at most 1 + 9 K arrays (``zipread.MAX_MEMBERS``).
The digest and signature cover the whole header and every array, as for any model file.
"""
import re

from .schema import _is_int, _need, _str_list, check_header, check_version, fail

MAX_MEMBERS = 64  # members of one ensemble's file
PARAMS = {"n_estimators", "bootstrap", "n_jobs", "random_state"}
_FILE_KEYS = ("format_version", "nnfit_version", "sha256", "hmac_sha256")  # the file's, lent
_NAME = re.compile(r"member(0|[1-9][0-9]?)\.(.+)")


def member_array_name(k, name):
    """The name in the file of member k's array ``name``."""
    return f"member{k}.{name}"


def split_array_name(name):
    """(k, name) of ``member<k>.<name>``, or None for any other name."""
    match = _NAME.fullmatch(name)
    return None if match is None else (int(match.group(1)), match.group(2))


def is_ensemble(header):
    return "ensemble" in header or "members" in header


def check_ensemble_header(header, param_names):
    """Validate an ensemble file's header and each member's; returns [(prefix of the member's
    arrays, its header, the facts its arrays are checked against)], one per member."""
    check_version(header)
    unknown = sorted(set(header) - {"ensemble", "members", *_FILE_KEYS})
    if unknown:
        fail(f"its header has unknown key(s) {unknown[:5]} (written by a newer nnfit? "
             "pip install -U nnfit)")
    missing = [key for key in ("ensemble", "members", "nnfit_version", "sha256")
               if key not in header]
    if missing:
        fail(f"its header lacks the key(s) {missing}")
    entry, members = header["ensemble"], header["members"]
    _need(isinstance(entry, dict) and set(entry) == {"estimator", "params", "params_not_saved",
                                                     "seeds"}, "ensemble",
          "an object of estimator, params, params_not_saved and seeds", entry)
    _need(entry["estimator"] == "MLPEnsemble", "ensemble.estimator", "'MLPEnsemble'",
          entry["estimator"])
    _check_params(entry["params"])
    _need(_str_list(entry["params_not_saved"]) and set(entry["params_not_saved"]) <= PARAMS,
          "ensemble.params_not_saved", f"a list of names among {sorted(PARAMS)}",
          entry["params_not_saved"])
    seeds = entry["seeds"]
    _need(isinstance(seeds, list) and 1 <= len(seeds) <= MAX_MEMBERS
          and all(_is_int(s, 0, 2**31 - 1) for s in seeds), "ensemble.seeds",
          f"a list of 1 to {MAX_MEMBERS} seeds in [0, 2^31)", seeds)
    _need(isinstance(members, list) and len(members) == len(seeds)
          and all(isinstance(h, dict) for h in members), "members",
          f"a list of {len(seeds)} member headers, one per seed", members)
    lent = {key: header[key] for key in _FILE_KEYS if key in header}
    parts = []
    for k, member in enumerate(members):
        inside = [key for key in _FILE_KEYS if key in member]
        if inside:
            fail(f"its member {k}'s header holds the file's key(s) {inside}")
        try:
            facts = check_header({**member, **lent}, param_names)
        except ValueError as error:
            fail(f"member {k}: {error}")
        parts.append((member_array_name(k, ""), member, facts))
    kinds = {(h.get("estimator"), "tabular" in h) for h in members}
    _need(len(kinds) == 1, "members", "models of one kind (the same estimator, all tabular or "
          "none)", sorted(kinds, key=str))
    return parts


def _check_params(params):
    _need(isinstance(params, dict) and set(params) <= PARAMS, "ensemble.params",
          f"an object with keys among {sorted(PARAMS)}", params)
    checks = {"n_estimators": (lambda v: _is_int(v, 1, 2**31 - 1), "an integer >= 1"),
              "bootstrap": (lambda v: isinstance(v, bool), "true or false"),
              "n_jobs": (lambda v: v is None or _is_int(v, -2**31, 2**31 - 1) and v != 0,
                         "null or a nonzero integer"),
              "random_state": (lambda v: v is None or _is_int(v, 0, 2**32 - 1),
                               "null or an integer in [0, 2^32)")}
    for name, value in params.items():
        ok, expected = checks[name]
        _need(ok(value), f"ensemble.params.{name}", expected, value)
