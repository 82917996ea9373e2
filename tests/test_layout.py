"""The layout shows the design (DEVELOPERS.md): floors that import only from below, no import
circle (function-local imports count), few modules at the root, small modules with docstrings."""
import ast
import pathlib

import pytest

grimp = pytest.importorskip("grimp")
importlinter_cli = pytest.importorskip("importlinter.cli")

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "nnfit"
FLOORS = ["backends", "engine", "modelfile", "estimators", "tabular", "course", "cli"]


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("nnfit", cache_dir=None)


def test_the_import_linter_contracts_hold(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert importlinter_cli.lint_imports(config_filename=str(ROOT / "pyproject.toml")) == 0


def _cycles(graph):
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in graph.find_modules_directly_imported_by(module):
            if other not in graph.modules or not other.startswith("nnfit"):
                continue
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(m for m in graph.modules if m.startswith("nnfit")):
        if module not in index:
            visit(module)
    return found


def test_no_import_circle_anywhere(graph):
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_circle():
    class Toy:  # a -> b -> c -> a, and d alone
        modules = {"nnfit.a", "nnfit.b", "nnfit.c", "nnfit.d"}
        edges = {"nnfit.a": {"nnfit.b"}, "nnfit.b": {"nnfit.c"}, "nnfit.c": {"nnfit.a"},
                 "nnfit.d": {"nnfit.a"}}

        def find_modules_directly_imported_by(self, module):
            return self.edges[module]

    assert _cycles(Toy()) == [["nnfit.a", "nnfit.b", "nnfit.c"]]


def test_no_floor_imports_the_package_root(graph):
    # nnfit/__init__ imports every floor: a floor importing it would close a circle
    floors = [m for m in graph.modules if m.split(".")[1:2] and m.split(".")[1] in FLOORS]
    assert [m for m in floors if "nnfit" in graph.find_modules_directly_imported_by(m)] == []


def test_at_most_ten_modules_at_the_root():
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(modules) <= 10, modules
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()} \
        == {*FLOORS, "datasets", "labs"}


def test_modules_are_small_and_say_what_they_are():
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text()
        name = path.relative_to(ROOT)
        assert len(text.splitlines()) <= 320, f"{name} has {len(text.splitlines())} lines"
        assert ast.get_docstring(ast.parse(text)), f"{name} has no module docstring"


def test_the_public_names_import_from_where_they_always_did():
    # the layout moved every module; nnfit's public API did not move (issue 18)
    import importlib

    import nnfit
    before = ["Adam", "Dense", "DivergenceError", "Dropout", "GradientDescent", "Identity",
              "MLPClassifier", "MLPRegressor", "NumpyBackend", "Objective", "Penalty", "ReLU",
              "RMSprop", "SGD", "Sequential", "Sigmoid", "SigmoidBinaryCrossEntropy",
              "SoftmaxCrossEntropy", "SquaredError", "TabularClassifier", "TabularRegressor",
              "Tanh", "UnseenCategoryWarning", "gradcheck", "load", "mlp", "__version__"]
    assert set(before) <= set(nnfit.__all__)
    assert all(hasattr(nnfit, name) for name in nnfit.__all__)
    for module, names in {"nnfit.datasets": ["load_mnist", "load_hitters", "load_khan",
                                             "load_default", "load_idx", "mnist_info"],
                          "nnfit.augment": ["augment_images"],
                          "nnfit.mnist_table": ["network", "fit_seed"],
                          "nnfit.islr_lab": ["hitters_split", "HITTERS_NETWORK"],
                          "nnfit.labs": ["LABS", "lab_path"]}.items():
        imported = importlib.import_module(module)
        assert all(hasattr(imported, name) for name in names), module
    import nnfit.augment
    import nnfit.course.augment
    assert nnfit.augment is nnfit.course.augment  # one module under two names, not a copy
