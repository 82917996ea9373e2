"""The arrays a model file must hold, from the architecture its (checked) header declares.

For layer widths n_0, ..., n_L: theta has sum_l (n_{l-1} + 1) n_l values of the fitted dtype,
x_scale and x_mean n_0 floats, the optimizer's running averages theta's length and dtype (all of
them or none), classes max(n_L, 2) labels, target_mean and target_scale n_L floats, and a
survival model's unique_times and cum_baseline_hazard n_unique_times float64 values each.
``dtype_checker`` refuses any other dtype or shape from the .npy header line, before the data is
read; ``check_values`` then refuses NaN or infinite numbers, scales that are not > 0, negative
running averages of squared gradients and class labels that are not sorted and distinct (the
order ``np.unique`` gives them, which ``predict`` relies on), and times that are not sorted
and distinct or a cumulative hazard that decreases.
"""
import numpy as np

from .zipread import MAX_LABEL_CHARS
from .schema import STATE_NAMES, fail

NONNEGATIVE_STATES = ("square_avg", "s")  # running averages of g^2


def expected_arrays(facts, header):
    """{array name: (dtype kinds and sizes allowed, length, required)} for this header."""
    float_any = ("f", (4, 8))
    theta = ("f", (np.dtype(facts["dtype"]).itemsize,))
    n_in, n_out, n_params = facts["layers"][0], facts["layers"][-1], facts["n_params"]
    spec = {"theta": (theta, n_params, True), "x_scale": (float_any, n_in, True),
            "x_mean": (float_any, n_in, False)}
    for name in STATE_NAMES[facts["optimizer"]]:
        spec["optimizer_" + name] = (theta, n_params, False)
    if facts["classifier"]:
        if header["classes"]["stored"] == "array":
            spec["classes"] = (("biufUS", None), facts["n_classes"], True)
    else:
        spec["target_mean"] = (float_any, n_out, True)
        spec["target_scale"] = (float_any, n_out, True)
    if facts["n_unique_times"] is not None:  # a survival model's Breslow baseline hazard
        for name in ("unique_times", "cum_baseline_hazard"):
            spec[name] = (("f", (8,)), facts["n_unique_times"], True)
    return spec


def max_bytes(kinds, length):
    """The most data bytes an array of ``length`` values of ``kinds`` may take."""
    kind, sizes = kinds
    itemsize = max(sizes) if sizes else 4 * MAX_LABEL_CHARS
    return length * itemsize


def dtype_checker(name, kinds, length):
    kind, sizes = kinds

    def check(dtype, shape):
        if sizes is None:
            size_ok = dtype.kind not in "US" or dtype.itemsize <= 4 * MAX_LABEL_CHARS
        else:
            size_ok = dtype.itemsize in sizes
        if dtype.kind not in kind or not size_ok or dtype.byteorder == ">" or shape != (length,):
            fail(f"its array {name!r} is {dtype} of shape {shape}; the header's architecture "
                 f"needs {length} value(s)" + (f" of {_kind_name(kinds)}"))
    return check


def _kind_name(kinds):
    kind, sizes = kinds
    if kind == "f":
        return " or ".join(f"float{8 * s}" for s in sizes)
    return "numbers, booleans or strings"


def check_values(header, arrays):
    """Finite numbers, scales > 0, running averages of g^2 >= 0, sorted distinct class labels."""
    for name, array in arrays.items():
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            fail(f"its array {name!r} has {int(np.sum(~np.isfinite(array)))} NaN or infinite "
                 "value(s)")
    for name in ("x_scale", "target_scale"):
        if name in arrays and not (arrays[name] > 0).all():
            fail(f"its array {name!r} has value(s) <= 0 (a scale divides the inputs or "
                 "multiplies the outputs)")
    for name in NONNEGATIVE_STATES:
        state = arrays.get("optimizer_" + name)
        if state is not None and (state < 0).any():
            fail(f"its array 'optimizer_{name}' (a running average of squared gradients) has "
                 "negative value(s)")
    times, hazard = arrays.get("unique_times"), arrays.get("cum_baseline_hazard")
    if times is not None and not np.all(times[1:] > times[:-1]):
        fail("its array 'unique_times' is not sorted and distinct")
    if hazard is not None and not (hazard[0] >= 0 and np.all(hazard[1:] >= hazard[:-1])):
        fail("its array 'cum_baseline_hazard' is not a cumulative hazard (>= 0, non-decreasing)")
    classes = arrays.get("classes")
    if classes is not None and not np.all(classes[1:] > classes[:-1]):
        fail("its class labels are not distinct and sorted")
