"""The readers of nnfit/tabular/readers.py and dialect.py: text tables with their separator and
decimal mark sniffed or given, Excel, Parquet, Stata, SPSS and SAS files (written here by pandas
and pyreadstat; a test skips without its optional package), and a clear error for each way a
file can be wrong."""
import contextlib
import json
import io
import importlib
import warnings

import numpy as np
import pandas as pd
import pytest

from nnfit.cli import main
from nnfit.cli.app import build_parser
from nnfit.cli.table_data import check_names, read_table
from nnfit.tabular.preprocess import column_kinds
from nnfit.tabular.readers import MissingReaderError, read_file

CREDIT = pd.DataFrame({"Income": [14.891, 106.025, 104.593, 148.924],
                       "Limit": [3606, 6645, 7075, 9504],
                       "Student": ["No", "Yes", "No", "No"]})


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_a_european_csv_reads_as_its_comma_twin(tmp_path):
    semicolon = write(tmp_path, "credit.csv", "Income;Limit;Student\n14,891;3606;No\n"
                      "106,025;6645;Yes\n104,593;7075;No\n148,924;9504;No\n")
    comma = tmp_path / "comma.csv"
    CREDIT.to_csv(comma, index=False)
    expected = CREDIT.set_axis(pd.RangeIndex(1, 5))
    pd.testing.assert_frame_equal(read_file(semicolon), expected)
    pd.testing.assert_frame_equal(read_file(comma), expected)


@pytest.mark.parametrize("name, text", [
    ("t.tsv", "a\tb c\n1.5\t2\n"), ("t.txt", "a\tb c\n1.5\t2\n"), ("t.tab", "a\tb c\n1.5\t2\n"),
    ("t.csv", "a|b c\n1.5|2\n"), ("t.dat", "a;b c\n1.5;2\n"),
    ("t.csv", '"a";"b c"\n"1.5";"2"\n'),
    ("t.csv", "\ufeffa,b c\n1.5,2\n"),  # a byte-order mark, as Excel writes UTF-8 CSV
])
def test_separators_are_sniffed(tmp_path, name, text):
    frame = read_file(write(tmp_path, name, text))
    assert list(frame.columns) == ["a", "b c"] and frame.iloc[0].tolist() == [1.5, 2]


def test_quoted_separators_and_a_one_column_file(tmp_path):
    quoted = read_file(write(tmp_path, "q.csv", 'note,x\n"a;b|c",1\n"d;e|f",2\n'))
    assert list(quoted.columns) == ["note", "x"] and quoted["note"].tolist() == ["a;b|c", "d;e|f"]
    one = read_file(write(tmp_path, "one.csv", "x\n1\n2\n"))
    assert list(one.columns) == ["x"] and one.index.tolist() == [1, 2]


def test_a_header_longer_than_the_first_sample_is_sniffed(tmp_path):
    names = [f"a_rather_long_column_name_{j:05d}" for j in range(3000)]  # ~100 KB of header
    text = ";".join(names) + "\n" + ";".join(["1,5"] * 3000) + "\n"
    frame = read_file(write(tmp_path, "wide.csv", text))
    assert frame.shape == (1, 3000) and frame.iloc[0, -1] == 1.5


def test_given_separator_and_decimal_win(tmp_path):
    path = write(tmp_path, "g.txt", "a;b\n1,5;2\n")
    assert read_file(path, sep=";", decimal=".")["a"].tolist() == ["1,5"]
    assert read_file(path, decimal=",")["a"].tolist() == [1.5]
    assert list(read_file(write(tmp_path, "h.csv", "a;b\n15;2\n"), sep=",").columns) == ["a;b"]
    tabs = write(tmp_path, "t.csv", "a\tb\n1\t2\n")
    assert list(read_file(tabs, sep="tab").columns) == ["a", "b"]
    for options, message in [({"sep": ";;"}, "sep=';;' is invalid"),
                             ({"decimal": ";"}, "decimal=';' is invalid"),
                             ({"sep": ",", "decimal": ","}, "both ','"),
                             ({"encoding": "nonsense"}, "not an encoding"),
                             ({"sheet": "one"}, "sheet='one' does not apply")]:
        with pytest.raises(ValueError, match=message):
            read_file(path, **options)


def test_rows_with_more_fields_than_the_header(tmp_path):
    trailing = read_file(write(tmp_path, "t.csv", "a,b\n1,2,\n3,4,\n"))
    assert trailing.to_dict("list") == {"a": [1, 3], "b": [2, 4]}
    with pytest.raises(ValueError, match="the data rows have 3 fields but the header line "
                                         "names 2 column"):
        read_file(write(tmp_path, "r.csv", "a,b\nx,1,2\ny,3,4\n"))


def test_thousands_and_mixed_decimal_marks(tmp_path):
    grouped = read_file(write(tmp_path, "g.csv", "a;b\n1.234,5;2\n3,25;4\n"))
    assert grouped["a"].tolist() == [1234.5, 3.25]
    mixed = write(tmp_path, "m.csv", "id;a;b\n1;1,5;2.5\n")
    with pytest.raises(ValueError, match=r"both with a decimal comma, '1,5' \(row 1, column 'a'"
                                         r"\), and with a point, '2.5' \(row 1, column 'b'\)"):
        read_file(mixed)
    assert read_file(mixed, decimal=",")["b"].tolist() == ["2.5"]


def test_a_semicolon_file_read_with_the_wrong_separator_gets_a_hint(tmp_path):
    path = write(tmp_path, "credit.csv", "Income;Limit\n14;3606\n")
    frame = read_table(path, sep=",")
    with pytest.raises(ValueError, match=r"no such column.*; the columns are 'Income;Limit'; "
                                         r"this looks like a "
                                         r"semicolon-separated file read as one column: pass "
                                         r"--sep ';' \(and --decimal ','"):
        check_names(frame, "--target", ["Income"])
    decimal = write(tmp_path, "decimal.csv", "Income;Limit\n14,891;3606\n")
    with pytest.raises(ValueError, match=r"2 fields but the header line names 1 column.*looks "
                                         r"like a semicolon-separated file: pass --sep ';'"):
        read_table(decimal, sep=",")


@pytest.mark.parametrize("name, content, message", [
    ("e.csv", b"", "is empty (0 bytes)"),
    ("h.csv", b"a,b\n", "has no data rows (its columns are 'a', 'b')"),
    ("d.csv", b"a,b,a\n1,2,3\n", "names column(s) 'a' more than once"),
    ("x.csv", b"PK\x03\x04" + bytes(60), "first bytes are those of a zip archive"),
    ("s.txt", b"$FL2" + bytes(60), "those of an SPSS file; name it .sav"),
    ("c.csv", "a,b\ncaf\u00e9,1\n".encode("cp1252"), "it is not UTF-8 text"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(60), "save it as .xlsx"),
])
def test_bad_files_are_named_with_advice(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValueError) as error:
        read_file(path)
    assert str(error.value).startswith(str(path)) and message in str(error.value)
    with pytest.raises(FileNotFoundError, match="no data file"):
        read_file(tmp_path / "absent.csv")


def test_another_encoding_when_given(tmp_path):
    path = write(tmp_path, "c.csv", "ville,x\nQu\u00e9bec,1\n", encoding="cp1252")
    assert read_file(path, encoding="cp1252")["ville"].tolist() == ["Qu\u00e9bec"]


def test_excel_sheets(tmp_path):
    pytest.importorskip("openpyxl")
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        CREDIT.to_excel(writer, sheet_name="credit", index=False)
        pd.DataFrame({"c": [1.5]}).to_excel(writer, sheet_name="notes", index=False)
    with pytest.warns(UserWarning, match=r"has 2 sheets \('credit', 'notes'\); reading the "
                                         r"first, 'credit'"):
        frame = read_file(path)
    pd.testing.assert_frame_equal(frame, CREDIT.set_axis(pd.RangeIndex(1, 5)))
    assert read_file(path, sheet="notes")["c"].tolist() == [1.5]
    assert read_file(path, sheet=1)["c"].tolist() == [1.5]
    with pytest.raises(ValueError, match=r"no sheet 'note' \(did you mean 'notes'\?\)"):
        read_file(path, sheet="note")
    with pytest.raises(ValueError, match="sheet=2 is out of range"):
        read_file(path, sheet=2)
    twice = tmp_path / "twice.xlsx"
    pd.DataFrame([[1, 2, 3]], columns=["a", "a", "b"]).to_excel(twice, index=False)
    with pytest.raises(ValueError, match=r"names column\(s\) 'a' more than once"):
        read_file(twice)
    fake = tmp_path / "fake.xlsx"
    fake.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="not a readable Excel file .*starts like text"):
        read_file(fake)


def test_parquet_keeps_a_named_index(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "t.parquet"
    CREDIT.set_index("Student").to_parquet(path)
    assert sorted(read_file(path).columns) == ["Income", "Limit", "Student"]
    fake = tmp_path / "fake.parquet"
    fake.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="not a readable Parquet file"):
        read_file(fake)


@pytest.fixture
def survey():
    """A survey table: sex coded 1/2 with labels, age with a label for one code only, a text
    column with an empty answer, a score with a user-missing code (SPSS)."""
    return pd.DataFrame({"sex": [1.0, 2.0, 1.0, np.nan], "age": [30.0, 99.0, 40.0, 50.0],
                         "name": ["a", "", "b", "c"], "score": [1.5, 2.5, 3.5, -9.0]})


LABELS = {"sex": {1: "male", 2: "female"}, "age": {99: "refused"}}


@pytest.mark.parametrize("suffix", [".sav", ".dta"])
def test_stata_and_spss_files_with_value_labels(tmp_path, survey, suffix):
    pyreadstat = pytest.importorskip("pyreadstat")
    path = tmp_path / f"survey{suffix}"
    if suffix == ".sav":
        pyreadstat.write_sav(survey, path, variable_value_labels=LABELS,
                             missing_ranges={"score": [-9.0]})
    else:
        pyreadstat.write_dta(survey, path, variable_value_labels=LABELS)
    with pytest.warns(UserWarning, match=r"value labels cover only some of the values of "
                                         r"column 'age' \(99 = 'refused'; row 2\)"):
        frame = read_file(path)
    assert frame.index.tolist() == [1, 2, 3, 4]
    assert isinstance(frame["sex"].dtype, pd.CategoricalDtype)
    assert list(frame["sex"].cat.categories) == ["male", "female"]
    assert frame["sex"].tolist()[:3] == ["male", "female", "male"] and pd.isna(frame["sex"][4])
    assert frame["age"].tolist() == [30.0, 99.0, 40.0, 50.0]
    assert pd.isna(frame["name"][2])  # empty text is missing
    assert pd.isna(frame["score"][4]) == (suffix == ".sav")  # SPSS's user-missing -9
    numeric, categorical = column_kinds(frame, list(frame.columns))
    assert numeric == ["age", "score"] and categorical == ["sex", "name"]


def test_sas_transport_files(tmp_path, survey):
    pyreadstat = pytest.importorskip("pyreadstat")
    path = tmp_path / "survey.xpt"
    pyreadstat.write_xport(survey.drop(columns="name"), path)
    frame = read_file(path)
    assert list(frame.columns) == ["sex", "age", "score"]
    assert frame["age"].tolist() == [30.0, 99.0, 40.0, 50.0]


@pytest.mark.parametrize("suffix, what", [(".dta", "Stata"), (".sav", "SPSS"),
                                          (".sas7bdat", "SAS"), (".xpt", "SAS transport")])
def test_a_statistical_file_that_is_not_one(tmp_path, suffix, what):
    pytest.importorskip("pyreadstat")
    path = write(tmp_path, f"data{suffix}", "a,b\n1,2\n")
    with pytest.raises(ValueError, match=f"is not a readable {what} file .*a CSV file\\? then "
                                         "name it .csv"):
        read_file(path)
    with pytest.raises(ValueError, match="sep=';' does not apply"):
        read_file(path, sep=";")


@pytest.mark.parametrize("suffix, package, extra", [
    (".dta", "pyreadstat", "files"), (".sas7bdat", "pyreadstat", "files"),
    (".xlsx", "openpyxl", "files"), (".parquet", "pyarrow", "parquet")])
def test_a_missing_optional_package_says_what_to_install(tmp_path, monkeypatch, capsys,
                                                         suffix, package, extra):
    real = importlib.import_module

    def without(name, *args, **kwargs):
        if name == package:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real(name, *args, **kwargs)
    monkeypatch.setattr(importlib, "import_module", without)
    path = write(tmp_path, f"data{suffix}", "x")
    expected = (f"reading {suffix} files needs {package}: pip install {package}, or pip install "
                f"'nnfit[{extra}]'")
    with pytest.raises(MissingReaderError) as error:
        read_file(path)
    assert str(error.value) == expected
    assert isinstance(error.value, ImportError) and isinstance(error.value, ValueError)
    assert main(["fit", str(path), "--target", "x", "--out", str(tmp_path / "m.nnfit")]) == 2
    assert capsys.readouterr().err == f"nnfit fit: error: {expected}\n"


def test_a_statistical_file_fits_from_the_command_line(tmp_path, survey):
    pyreadstat = pytest.importorskip("pyreadstat")
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"sex": rng.choice([1.0, 2.0], 30), "age": rng.normal(50, 9, 30),
                          "outcome": rng.choice([0.0, 1.0], 30)})
    path = tmp_path / "study.sav"
    # the labels stored highest code first: still code 1 (male) is the reference
    pyreadstat.write_sav(table, path, variable_value_labels={"sex": {2: "female", 1: "male"}})
    out = tmp_path / "m.nnfit"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["fit", str(path), "--target", "outcome", "--hidden", "2", "--epochs", "2",
                     "--quiet", "--out", str(out)]) == 0
    import nnfit
    model = nnfit.load(out)
    assert model.categorical_columns_ == ["sex"]
    # the value labels' order (codes 1, 2), not the alphabet: 'male' is the reference
    assert list(model.get_feature_names_out()) == ["age", "sex_male", "sex_female"]
    frame = read_table(path)
    np.testing.assert_array_equal(model.predict_proba(frame), nnfit.load(out).predict_proba(frame))
    state = json.loads(json.dumps(nnfit.tabular.state.to_dict(model)))
    entry = state["preprocessing"]["categorical"][0]
    assert entry["categories"] == ["male", "female"] and entry["order"] == "given"
    entry["categories"] = ["male", "male"]  # a damaged file: refused, not misread
    with pytest.raises(ValueError, match="repeats a name in its column 'sex''s categories"):
        nnfit.tabular.state.from_dict(type(model), state, model.estimator_)
    del entry["order"]
    entry["categories"] = ["male", "female"]  # unsorted without the mark: refused
    with pytest.raises(ValueError, match="categories empty or not sorted"):
        nnfit.tabular.state.from_dict(type(model), state, model.estimator_)


def test_a_categorical_columns_order_gives_its_reference_as_statsmodels_formulas_do():
    """A pandas Categorical (value labels, or given in Python) keeps its order: its first
    category is the reference, as in statsmodels' formulas (patsy), not the alphabet's."""
    smf = pytest.importorskip("statsmodels.formula.api")
    import nnfit
    rng = np.random.default_rng(0)
    n = 400
    X = pd.DataFrame({"sex": pd.Categorical(rng.choice(["male", "female"], n),
                                            categories=["male", "female"]),
                      "stage": pd.Categorical(rng.choice(["I", "II", "III"], n),
                                              categories=["III", "II", "I"]),
                      "x": rng.normal(size=n)})
    y = (rng.random(n) < 1 / (1 + np.exp(-(X.x + 0.5 * (X.sex == "female"))))).astype(int)
    network = nnfit.MLPClassifier((), ridge=0, optimizer="lbfgs", dtype="float64",
                                  validation_fraction=0, epochs=2000)
    table = nnfit.TabularClassifier(network).fit(X, y).coefficients(X, y)
    reference = smf.logit("y ~ sex + stage + x", X.assign(y=y)).fit(disp=0)
    assert list(table.index) == ["Intercept", "sex[T.female]", "stage[T.II]", "stage[T.I]", "x"]
    np.testing.assert_allclose(table["coef"], reference.params, rtol=1e-6, atol=1e-9)
    unused = X.assign(stage=X.stage.cat.add_categories("IV"))  # a level no row has: no column
    again = nnfit.TabularClassifier(network).fit(unused, y).coefficients(unused, y)
    pd.testing.assert_frame_equal(again, table)


def _cli_has(option, value):
    try:  # argparse exits, with its usage on stderr, for an unknown option
        with contextlib.redirect_stderr(io.StringIO()):
            build_parser().parse_args(["fit", "data.csv", "--out", "m.nnfit", option, value])
    except SystemExit:
        return False
    return True


@pytest.mark.skipif(not _cli_has("--sep", ";"), reason="nnfit fit has no --sep yet")
def test_the_command_line_reads_with_sep_and_decimal(tmp_path, capsys):
    path = write(tmp_path, "credit.txt", "Income|Limit|Student\n14,9|3606|No\n106,0|6645|Yes\n"
                 + "104,6|7075|No\n" * 20)
    out = tmp_path / "m.nnfit"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["fit", str(path), "--target", "Student", "--sep", ",", "--quiet",
                     "--out", str(out)]) == 2
        assert "looks like a '|'-separated file: pass --sep '|'" in capsys.readouterr().err
        assert main(["fit", str(path), "--target", "Student", "--sep", "|", "--decimal", ",",
                     "--epochs", "2", "--quiet", "--out", str(out)]) == 0
    import nnfit
    assert nnfit.load(out).numeric_columns_ == ["Income", "Limit"]
