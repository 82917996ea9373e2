"""Property-based fuzz of what comes from files (issue 11): model files and CSV tables through
the command line.  A damaged or edited model file loads as the very same model or is refused
with one ValueError "... is not a valid nnfit model file: ..."; a loaded model predicts finite
values and warm-starts or refuses cleanly.  A CSV table fits and predicts, or the command exits
with status 2 and one line on stderr.  Derandomized; cases in ``fuzz_cases.py``.
"""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fuzz_cases as fc

FUZZ = settings(deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return fc.saved_models(tmp_path_factory.mktemp("models"))


def assert_clean(verdict, detail):
    assert verdict in (fc.CORRECT, fc.CLEAN), f"{verdict}: {detail}"


@settings(FUZZ, max_examples=300)
@given(data=st.data())
def test_fuzz_model_files(data, models):
    files, X, ys = models
    assert_clean(*fc.model_file_case(data.draw, files, X, ys))


@settings(FUZZ, max_examples=60)
@given(data=st.data())
def test_fuzz_csv_tables_through_the_command_line(data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("csv", numbered=True)
    assert_clean(*fc.csv_case(data.draw, folder, fc.TAME_CELLS))


@settings(FUZZ, max_examples=60)
@given(data=st.data())
def test_fuzz_csv_tables_with_infinite_and_huge_cells(data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("csv", numbered=True)
    assert_clean(*fc.csv_case(data.draw, folder, fc.CELLS))
