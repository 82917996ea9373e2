"""An ``MLPEnsemble`` in one model file (a mixin of ``MLPEnsemble``): its members side by side.

Each member turns itself into a header and arrays (``_to_file_parts``, as its own ``save``
would write them); the ensemble's file holds

    header = {"ensemble": {"estimator": "MLPEnsemble", "params": {...}, "seeds": [s_1..s_K]},
              "members": [h_1, ..., h_K]}
    arrays = {"member<k>.<name>": member k's array <name>}

and ``nnfit.modelfile`` checks every member's header and arrays as it checks a single model's
(``modelfile.ensemble``).  ``nnfit.load`` rebuilds each member as it rebuilds a single model,
then the ensemble around them (``_from_file_parts``).  The ensemble's ``estimator`` after loading
is an unfitted clone of the first member with its ``random_state`` (each member's seed) left
as None: the members' seeds are in ``seeds_``.
"""
import numbers

import numpy as np
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted

from ..modelfile.ensemble import MAX_MEMBERS, member_array_name
from ..modelfile.format import write

PARAMS = ("n_estimators", "bootstrap", "n_jobs", "random_state")


class _EnsembleFile:
    def save(self, path, key=None):
        """Write the fitted ensemble, every member, to one model file ``path`` (no pickle; read
        back with ``nnfit.load``); with ``key`` (or NNFIT_MODEL_KEY) signed by an HMAC-SHA256."""
        check_is_fitted(self, "estimators_")
        header, arrays = self._to_file_parts()
        return write(path, header, arrays, key)

    def _to_file_parts(self):
        """(header, arrays) of the fitted ensemble: its members' under their numbers."""
        if len(self.estimators_) > MAX_MEMBERS:
            raise ValueError(f"an ensemble of {len(self.estimators_)} members cannot be saved: a "
                             f"model file holds at most {MAX_MEMBERS}")
        params, skipped = {}, []
        for name in PARAMS:
            value = getattr(self, name)
            plain = value is None or isinstance(value, (bool, np.bool_)) or isinstance(
                value, numbers.Integral) and (name != "random_state" or 0 <= value < 2**32)
            params[name] = (bool(value) if isinstance(value, (bool, np.bool_)) else
                            None if value is None or not plain else int(value))
            if not plain:
                skipped.append(name)  # a Generator or RandomState: not data
        headers, arrays = [], {}
        for k, member in enumerate(self.estimators_):
            if not hasattr(member, "_to_file_parts"):
                raise TypeError(f"member {k} is a {type(member).__name__}, which nnfit cannot "
                                "write to a model file: only ensembles of nnfit's estimators "
                                "and tabular models can be saved")
            header, parts = member._to_file_parts()
            headers.append(header)
            arrays.update({member_array_name(k, name): a for name, a in parts.items()})
        ensemble = {"estimator": type(self).__name__, "params": params,
                    "params_not_saved": skipped, "seeds": [int(s) for s in self.seeds_]}
        return {"ensemble": ensemble, "members": headers}, arrays

    @classmethod
    def _from_file_parts(cls, header, members):
        """The fitted ensemble of a checked model file's header around its rebuilt members."""
        entry = header["ensemble"]
        if entry["estimator"] != cls.__name__ or len(members) != len(entry["seeds"]):
            raise ValueError(f"the model file holds a {entry['estimator']!r} of "
                             f"{len(entry['seeds'])} seeds and {len(members)} members")
        estimator = clone(members[0])
        names = [k for k in estimator.get_params(deep=True)
                 if k == "random_state" or k.endswith("__random_state")]
        estimator.set_params(**{name: None for name in names})
        ensemble = cls(estimator, **entry["params"])
        ensemble.seeds_ = np.array(entry["seeds"], dtype=np.int64)
        return ensemble._set_members(members)
