"""Sphinx configuration of the nnfit documentation site.

Build it (executing the seven labs) with

    python -m sphinx -W -b html docs docs/_build/html

The labs live in the package (``nnfit/labs/*.md``, MyST Markdown notebooks); ``docs/labs/``
holds symbolic links to them, so there is one copy of each.  myst-nb executes every lab on every
build and a failing assertion in a lab fails the build.  Each lab page gets a link to the lab as
an ``.ipynb``, written next to the page by the same code as ``nnfit lab NAME``.

Formulas are typeset by a copy of MathJax 3 (its SVG output, which needs no font files) that
the build takes from the ``sphinx-mathjax-offline`` package and writes into ``_static/mathjax``,
so the site shows its formulas with no network, opened straight from ``docs/_build/html``; no
page loads anything from another site (tests/test_docs.py checks the built HTML).
"""
import importlib.util
import os
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))  # document (and execute) the nnfit beside this folder

# One BLAS thread per lab kernel unless the caller says otherwise: on a busy 2-core machine
# OpenBLAS's two threads wait on each other (a 10,000-image MNIST fit ran 4 times slower).
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, os.environ.get("NNFIT_DOCS_THREADS", "1"))
# Figures in the executed pages need the notebook backend, whatever MPLBACKEND the caller set.
os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
# The lab kernels import the same nnfit as this build.
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(DOCS.parent)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])

import nnfit  # noqa: E402
from nnfit.labs import LABS  # noqa: E402

project = "nnfit"
author = "the nnfit authors"
copyright = "the nnfit authors; course material after ISLR2 chapter 10"
version = release = nnfit.__version__

extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.mathjax"]
exclude_patterns = ["_build", "jupyter_execute", ".jupyter_cache", "**.ipynb_checkpoints"]
source_suffix = {".md": "myst-nb", ".rst": "restructuredtext"}

myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 2

nb_execution_mode = "force"           # every build runs every lab
nb_execution_raise_on_error = True    # a failing cell (an assertion) fails the build
nb_execution_show_tb = True
nb_execution_timeout = 600
nb_output_stderr = "remove"           # progress-bar and library notices; stdout is kept
nb_merge_streams = True

autodoc_member_order = "bysource"
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_ivar = True              # "Attributes" as fields: no clash with documented properties
napoleon_use_rtype = False
strip_signature_backslash = True     # napoleon then keeps the trailing _ of coefs_ and friends

html_theme = "alabaster"
html_title = f"nnfit {release}"
html_theme_options = {
    "description": "Multilayer networks fitted by explicit backpropagation (ISLR2 ch. 10)",
    "fixed_sidebar": True,
    "page_width": "1240px",
    "sidebar_width": "230px",
}
html_static_path = ["_static"]  # custom.css (alabaster loads it by name)
html_show_sourcelink = False


def _mathjax_folder():
    """The MathJax 3.2.2 distribution shipped inside the sphinx-mathjax-offline package."""
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    folder = spec and Path(spec.origin).parent / "static" / "mathjax"
    if not folder or not (folder / _MATHJAX_SCRIPT).is_file():
        raise RuntimeError("the documentation typesets its formulas with a local copy of MathJax: "
                           "pip install '.[docs]' (or pip install sphinx-mathjax-offline)")
    return folder


# MathJax's SVG output draws every glyph itself: no web fonts to load, which browsers may refuse
# for a page opened from a file.  Beside the script, the folders it loads on demand: TeX
# packages (autoload), the right-click menu and its accessibility tools (not the speech rules).
_MATHJAX_SCRIPT = "tex-svg.js"
_MATHJAX_PARTS = [_MATHJAX_SCRIPT, "input/tex/extensions", "ui", "a11y"]
mathjax_path = f"mathjax/{_MATHJAX_SCRIPT}"  # relative: under the site's own _static folder
_MATHJAX_SOURCE = _mathjax_folder()


def copy_mathjax(app):
    """Copy the local MathJax into the built site's ``_static/mathjax``."""
    if app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    for part in _MATHJAX_PARTS:
        source = _MATHJAX_SOURCE / part
        if source.is_dir():
            shutil.copytree(source, target / part, dirs_exist_ok=True)
        else:
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / part)


def _lab_name(docname):
    parts = docname.split("/")
    return parts[1] if len(parts) == 2 and parts[0] == "labs" and parts[1] in LABS else None


def add_download_link(app, docname, source):
    """Put a link to the lab's .ipynb under its title (only on the site, not in the notebook)."""
    name = _lab_name(docname)
    if name is None:
        return
    link = (f'\n<p class="lab-download"><a class="reference download" href="{name}.ipynb" '
            f'download="{name}.ipynb">Download this lab as a Jupyter notebook ({name}.ipynb)</a>, '
            f"or run <code>nnfit lab {name}</code>.</p>\n")
    lines = source[0].split("\n")
    title = next(i for i, line in enumerate(lines) if line.startswith("# "))
    lines.insert(title + 1, link)
    source[0] = "\n".join(lines)


def write_notebooks(app, exception):
    """Write every lab as NAME.ipynb beside its page, as ``nnfit lab NAME`` would."""
    if exception is not None or app.builder.format != "html":
        return
    from nnfit.cli.lab import notebook_text
    from nnfit.labs import lab_path
    folder = Path(app.outdir) / "labs"
    folder.mkdir(parents=True, exist_ok=True)
    for name in LABS:
        (folder / f"{name}.ipynb").write_text(notebook_text(lab_path(name)), encoding="utf-8")


def setup(app):
    app.connect("builder-inited", copy_mathjax)
    app.connect("source-read", add_download_link)
    app.connect("build-finished", write_notebooks)
