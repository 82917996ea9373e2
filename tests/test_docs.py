"""The documentation site: built with warnings as errors, every lab executed, links checked.

One Sphinx build (in a temporary folder) executes the seven labs once through myst-nb; a failing
assertion inside a lab fails the build.  The tests then read the built HTML as a browser would:
every lab page is there with its figures and its notebook download, every <img> and every local
link points to a file that exists.  Docstrings are checked too: every estimator parameter is
documented, and the examples in the docstrings run.
"""
import ast
import doctest
import inspect
import os
import re
import subprocess
import sys
import time
import warnings
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

import nnfit
import nnfit.augment
import nnfit.datasets
import nnfit.islr_lab
import nnfit.mnist_table
from nnfit.labs import LABS, lab_path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


class _Links(HTMLParser):
    """Collects the targets of <img src>, <a href> and <link href> of one page, everything the
    page loads by itself (any tag's src, <link href>, <object data>), and its inline scripts."""

    def __init__(self):
        super().__init__()
        self.images, self.links, self.loads, self.scripts = [], [], [], []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img" and attrs.get("src"):
            self.images.append(attrs["src"])
        elif tag in ("a", "link") and attrs.get("href"):
            self.links.append(attrs["href"])
        for name in ("src", "srcset", "data") if tag != "a" else ():
            if attrs.get(name):
                self.loads.append(f"<{tag} {name}={attrs[name]}>")
        if tag == "link" and attrs.get("href"):
            self.loads.append(f"<link href={attrs['href']}>")
        self._in_script = tag == "script" and not attrs.get("src")

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)

    def handle_endtag(self, tag):
        self._in_script = False


def _parse(page):
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _local_target(page, url):
    """The file a relative URL on ``page`` points to, or None for external and in-page links."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    return (page.parent / unquote(parts.path)).resolve()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Build the site once; return (html folder, seconds, build log)."""
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", "-q",
         "-d", str(out / "doctrees"), str(DOCS), str(out / "html")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
    seconds = time.perf_counter() - start
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"sphinx build failed ({seconds:.0f} s):\n{log[-6000:]}"
    return out / "html", seconds, log


def test_build_has_no_warnings(site):
    html, seconds, log = site
    # Sphinx's own messages look like "file:line: WARNING: ..." (-W makes them fail the build;
    # this also catches any that -W would let through); kernels print other notices
    assert not re.search(r": (WARNING|ERROR|CRITICAL):", log), log[-4000:]
    print(f"site built with seven labs executed in {seconds:.0f} s")


@pytest.mark.parametrize("name", list(LABS))
def test_lab_page(site, name):
    html = site[0]
    page = html / "labs" / f"{name}.html"
    assert page.is_file(), f"no page for lab {name}"
    text = page.read_text(encoding="utf-8")
    links = _parse(page)
    # one figure per plt.show() of the lab, rendered from the executed outputs
    figures = [src for src in links.images if src.endswith(".png")]
    expected = lab_path(name).read_text(encoding="utf-8").count("plt.show()")
    assert len(figures) >= expected, f"{name}: {len(figures)} figures, expected {expected}"
    # printed results are on the page, so the lab was executed
    assert "lab run time" in text
    assert "Exercises" in text
    # four worked solutions, collapsed, each with its executed (collapsed) code cell
    assert text.count('<details class="solution">') == 4
    assert text.count("Show code cell content") >= 4
    # the notebook download
    assert f'href="{name}.ipynb"' in text
    notebook = nbformat.read(html / "labs" / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    assert sum(cell.cell_type == "code" for cell in notebook.cells) >= 5


def test_every_image_and_local_link_resolves(site):
    html = site[0]
    pages = sorted(html.rglob("*.html"))
    assert len(pages) >= 6 + 8
    broken = []
    for page in pages:
        links = _parse(page)
        for url in links.images + links.links:
            target = _local_target(page, url)
            if target is not None and not target.exists():
                broken.append(f"{page.relative_to(html)}: {url}")
    assert not broken, "broken links or images:\n" + "\n".join(broken[:40])


def test_no_page_loads_anything_from_another_site(site):
    """The site works offline: every script, style, image and font is one of its own files."""
    html = site[0]
    remote = []
    for page in sorted(html.rglob("*.html")):
        links = _parse(page)
        remote += [f"{page.relative_to(html)}: {load}" for load in links.loads
                   if re.search(r"=(https?:)?//", load)]
        remote += [f"{page.relative_to(html)}: inline script {script[:80]!r}"
                   for script in links.scripts if re.search(r"https?://|//cdn", script)]
    assert not remote, "pages that load from the network:\n" + "\n".join(remote[:40])


def test_formulas_are_typeset_by_the_local_mathjax(site):
    html = site[0]
    with_math = []
    for page in sorted(html.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        if 'class="math' not in text:
            continue
        with_math.append(page)
        scripts = [load for load in _parse(page).loads if "mathjax" in load.lower()]
        assert len(scripts) == 1, f"{page.relative_to(html)}: MathJax scripts {scripts}"
        url = scripts[0].split("=", 1)[1].rstrip(">")
        script = _local_target(page, url)
        assert script is not None and script.is_file(), f"{page.relative_to(html)}: {url}"
        assert script.stat().st_size > 1_000_000   # the whole TeX-to-SVG typesetter, 2.1 MB
    # the home page's R(theta), the guide's objective and the first five labs carry formulas
    expected = {html / "index.html", html / "guide" / "objective.html"} | {
        html / "labs" / f"{name}.html" for name in list(LABS)[:5]}
    assert expected <= set(with_math), sorted(str(p) for p in expected - set(with_math))
    # the TeX packages MathJax loads on demand travel with it
    assert (html / "_static" / "mathjax" / "input" / "tex" / "extensions" / "ams.js").is_file()


def test_site_pages(site):
    html = site[0]
    for page in ["index", "getting_started", "labs/index", "guide/index", "guide/objective",
                 "guide/layers", "guide/optimizers", "guide/early_stopping",
                 "guide/model_files", "guide/command_line", "guide/parallel", "guide/speed",
                 "guide/data",
                 "api"]:
        assert (html / f"{page}.html").is_file(), page
    api = (html / "api.html").read_text(encoding="utf-8")
    for name in inspect.signature(nnfit.MLPClassifier).parameters:
        assert name in api, f"API reference does not document MLPClassifier({name}=...)"
    # every nnfit module a lab imports has its entries on the API page
    imported = set()
    for name in LABS:
        source = lab_path(name).read_text(encoding="utf-8")
        imported |= set(re.findall(r"^from nnfit(?:\.(\w+))? import (.+)$", source, re.MULTILINE))
    for module, names in imported:
        for name in re.split(r",\s*", names.strip("()")):
            name = name.split(" as ")[0].strip()
            target = f"nnfit.{module}.{name}" if module else f"nnfit.{name}"
            if module == "" and name in ("mnist_table", "islr_lab", "augment", "datasets"):
                target = f"nnfit.{name}."          # a module: some of its members
            assert f'id="{target}' in api, f"the API page lacks {target}"


@pytest.mark.parametrize("estimator", [nnfit.MLPClassifier, nnfit.MLPRegressor, nnfit.MLPSurvival])
def test_help_lists_every_parameter(estimator):
    doc = inspect.getdoc(estimator)
    for name in inspect.signature(estimator).parameters:
        assert re.search(rf"^{name} : ", doc, re.MULTILINE), f"{estimator.__name__}: {name} undocumented"
    for section in ("Parameters", "Attributes", "Examples"):
        assert f"\n{section}\n---" in doc


def _documented_defaults(cls):
    """{parameter: default} as written in the class docstring's "name : type, default=value"."""
    found = re.findall(r"^(\w+) : .*?, default=(.+)$", inspect.getdoc(cls), re.MULTILINE)
    return {name: value.strip() for name, value in found}


@pytest.mark.parametrize("estimator", [nnfit.MLPClassifier, nnfit.MLPRegressor, nnfit.MLPSurvival,
                                       nnfit.TabularClassifier, nnfit.TabularRegressor])
def test_documented_defaults_are_the_real_ones(estimator):
    documented = _documented_defaults(estimator)
    for name, parameter in inspect.signature(estimator).parameters.items():
        assert name in documented, f"{estimator.__name__}: no default documented for {name}"
        assert ast.literal_eval(documented[name]) == parameter.default, (
            f"{estimator.__name__}({name}=...): documented default {documented[name]}, "
            f"real default {parameter.default!r}")


PUBLIC = ([getattr(nnfit, name) for name in nnfit.__all__ if name != "__version__"]
          + [getattr(nnfit.datasets, name) for name in nnfit.datasets.__all__
             if callable(getattr(nnfit.datasets, name))]
          + [nnfit.augment.augment_images, nnfit.augment.shift_images, lab_path,
             nnfit.mnist_table.network, nnfit.islr_lab.hitters_split])


@pytest.mark.parametrize("obj", PUBLIC, ids=lambda obj: obj.__name__)
def test_public_docstring_is_numpydoc_with_example(obj):
    doc = inspect.getdoc(obj) or ""
    assert "\nExamples\n--------" in doc, f"{obj.__name__} has no Examples section"
    if inspect.isfunction(obj) and inspect.signature(obj).parameters:
        assert "\nParameters\n----------" in doc, f"{obj.__name__} has no Parameters section"


@pytest.mark.parametrize("obj", PUBLIC, ids=lambda obj: obj.__name__)
def test_docstring_examples_run(obj):
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = doctest.DocTestFinder(recurse=False).find(obj, obj.__name__, globs={})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # overflow notices of the divergence example
        for test in tests:
            runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0 and result.failed == 0, f"{obj.__name__}: {result}"
