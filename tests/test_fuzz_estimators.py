"""Property-based fuzz of the estimators (issue 11): hyperparameters, input arrays, determinism;
sample weights in fit and score, save targets and swamped columns (issue 26).

Every outcome must be a correct result (finite predictions of the right shape, an invalid value
never accepted) or a clear ValueError/TypeError naming what is wrong; never another exception,
a crash, NaN, or a valid value refused.  The cases live in ``fuzz_cases.py``; ``fuzz_report.py``
runs many more and counts the outcomes.  Derandomized, so CI sees the same cases every run.
"""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fuzz_cases as fc

FUZZ = settings(deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
CHECKED_STRICTLY = ["activation", "batch_size", "dtype", "early_stopping", "epochs",
                    "learning_rate", "learning_rate_decay", "monitor", "optimizer", "patience",
                    "tol", "validation_fraction", "verbose"]
OTHERS = sorted(set(fc.PARAMS) - set(CHECKED_STRICTLY))


def assert_clean(verdict, detail):
    assert verdict in (fc.CORRECT, fc.CLEAN), f"{verdict}: {detail}"


@settings(FUZZ, max_examples=150)
@given(data=st.data())
def test_fuzz_hyperparameters(data):
    assert_clean(*fc.hyperparameter_case(data.draw, CHECKED_STRICTLY, arrays=False))


@settings(FUZZ, max_examples=100)
@given(data=st.data())
def test_fuzz_hyperparameters_not_yet_strict(data):
    assert_clean(*fc.hyperparameter_case(data.draw, OTHERS))


@settings(FUZZ, max_examples=60)
@given(data=st.data())
def test_fuzz_hyperparameters_given_as_numpy_arrays(data):
    assert_clean(*fc.hyperparameter_case(data.draw, CHECKED_STRICTLY))


@settings(FUZZ, max_examples=100)
@given(data=st.data())
def test_fuzz_ordinary_input_arrays(data):
    assert_clean(*fc.array_case(data.draw, ordinary=True))


@settings(FUZZ, max_examples=150)
@given(data=st.data())
def test_fuzz_odd_input_arrays(data):
    assert_clean(*fc.array_case(data.draw))


@settings(FUZZ, max_examples=50)
@given(data=st.data())
def test_fuzz_fits_are_deterministic_and_survive_save_and_load(data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("determinism", numbered=True)
    assert_clean(*fc.determinism_case(data.draw, folder))


@settings(FUZZ, max_examples=80)
@given(data=st.data())
def test_fuzz_sample_weights_fit_and_score_agree(data):
    assert_clean(*fc.weights_case(data.draw))


@settings(FUZZ, max_examples=20)
@given(data=st.data())
def test_fuzz_save_targets(data, tmp_path_factory):
    assert_clean(*fc.save_case(data.draw, tmp_path_factory.mktemp("save", numbered=True)))


@settings(FUZZ, max_examples=60)
@given(data=st.data())
def test_fuzz_a_swamping_value_is_said_exactly_when_it_swamps(data):
    assert_clean(*fc.swamp_case(data.draw))
