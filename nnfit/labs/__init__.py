"""The course's labs, shipped as MyST Markdown notebooks (text files that diff well).

Each lab is a Jupyter notebook in MyST Markdown form (``jupytext`` reads it; ``nnfit lab NAME``
writes it as an ``.ipynb``).  The documentation site executes every lab on each build, and each
lab asserts its key results in code, so a wrong result fails the build.
"""
from pathlib import Path

LAB_DIR = Path(__file__).parent

#: Lab names in course order, with their titles.
LABS = {
    "hidden_layer": "One hidden layer, by hand",
    "gradient_descent": "Gradient descent",
    "regularization": "Regularization",
    "mnist": "The MNIST network",
    "default": "Credit-card default (ISLR2 exercise 10.7)",
    "own_data": "Your own data",
    "survival": "Survival and counts (ISLR2 chapter 11, section 4.6)",
}


def lab_path(name):
    """Path of the source of lab ``name`` (a name of :data:`LABS` or its number, 1 to 7).

    Parameters
    ----------
    name : str or int
        ``"mnist"``, ``"4"`` or ``4`` name the same lab.

    Returns
    -------
    pathlib.Path
        The lab's MyST Markdown file inside the installed package.

    Raises
    ------
    ValueError
        If ``name`` is not a lab.

    Examples
    --------
    >>> from nnfit.labs import lab_path
    >>> lab_path(4).name, lab_path("mnist") == lab_path(4)
    ('mnist.md', True)
    """
    names = list(LABS)
    key = str(name).strip()
    if key.isdigit() and 1 <= int(key) <= len(names):
        key = names[int(key) - 1]
    if key not in LABS:
        raise ValueError(f"no lab named {name!r}; choose one of {', '.join(names)} "
                         f"(or its number, 1 to {len(names)}); 'nnfit lab --list' lists them")
    return LAB_DIR / f"{key}.md"
