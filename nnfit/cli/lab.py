"""``nnfit lab NAME [--out DIR]``: write one of the course's labs as a Jupyter notebook.

The labs ship as MyST Markdown text (``nnfit/labs/*.md``); jupytext turns one into an
``.ipynb`` that opens in Jupyter and runs top to bottom.  An existing notebook of the same name
is never replaced without ``--force`` (it may hold a student's work).
"""
import argparse
import shlex
import shutil
from pathlib import Path

from .._files import atomic_write, check_output_path
from ..labs import LABS, lab_path


def register(subparsers):
    lab = subparsers.add_parser(
        "lab", formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        help="write one of the course's labs as a Jupyter notebook (.ipynb)",
        description="Write lab NAME (a name from --list, or its number) as NAME.ipynb in --out, "
                    "ready to open in Jupyter.  Needs jupytext (pip install 'nnfit[labs]').")
    lab.add_argument("name", nargs="?", help="the lab, e.g. mnist or 4; see --list")
    lab.add_argument("--list", action="store_true", help="list the labs and exit")
    lab.add_argument("--out", default=".", metavar="DIR",
                     help="folder for the notebook (created if missing)")
    lab.add_argument("--force", action="store_true",
                     help="replace an existing notebook of the same name")
    lab.set_defaults(func=run_lab)


def run_lab(args):
    if args.list:
        for number, (name, title) in enumerate(LABS.items(), 1):
            print(f"{number}  {name:18s}{title}")
        return 0
    if args.name is None:
        raise ValueError("name a lab, e.g. 'nnfit lab mnist', or list them with 'nnfit lab --list'")
    source = lab_path(args.name)
    notebook = notebook_text(source)
    folder = Path(args.out)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"--out {folder} is a file; give a folder for the notebook")
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{source.stem}.ipynb"
    if out.exists() and not out.is_dir() and not args.force:
        raise ValueError(f"{out} exists and may hold your work; choose another --out, or add "
                         "--force to replace it")
    out = check_output_path(out, kind="notebook", suffixes=(".ipynb",), force=args.force)
    with atomic_write(out, "w", encoding="utf-8") as file:
        file.write(notebook)
    command = f"jupyter lab {shlex.quote(str(out))}"
    if shutil.which("jupyter-lab") is None:  # JupyterLab comes with the labs extra
        command = f"pip install 'nnfit[labs]', then {command}"
    print(f"lab {source.stem!r} written to {out}; open it with: {command}")
    return 0


def notebook_text(source):
    """The lab at ``source`` (MyST Markdown) as the text of an .ipynb file, without outputs."""
    try:
        import jupytext
    except ModuleNotFoundError:
        raise ValueError("writing a lab as a notebook needs jupytext: "
                         "pip install 'nnfit[labs]' (or pip install jupytext)") from None
    notebook = jupytext.read(source, fmt="md:myst")
    notebook.metadata.pop("jupytext", None)  # a plain notebook, not paired with the .md file
    return jupytext.writes(notebook, fmt="ipynb")
