"""Files the user owns are never lost: outputs are written to a temporary file beside the
target and renamed into place, and an ``--out`` that would overwrite an input is refused.

``atomic_write(path)`` yields a file object opened on a new temporary file created safely
(``tempfile.mkstemp``: a fresh name, ``O_EXCL``, so a planted symlink is never followed) in
the target's own folder; on success the file is flushed, synced and ``os.replace``-d onto
``path`` in one step, on every other exit (an error, Ctrl-C) the temporary file is removed.
A reader therefore sees either the old file or the whole new one, never a part.
"""
import contextlib
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_write(path, mode="wb", encoding=None, newline=None):
    """Open a temporary file in ``path``'s folder; rename it onto ``path`` when the block ends.

    ``mode`` is "wb" or "w" (text, with ``encoding`` and ``newline`` as for ``open``).
    An existing ``path`` keeps its permission bits (a new file gets 0o644 less the umask).
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_write writes new files only: mode 'wb' or 'w', not {mode!r}")
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial",
                                             dir=folder)
    try:
        try:
            mode_bits = os.stat(path).st_mode & 0o777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode_bits = 0o644 & ~umask
        os.chmod(temporary, mode_bits)
        with os.fdopen(descriptor, mode, encoding=encoding, newline=newline) as file:
            descriptor = None
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
        temporary = None
    finally:
        if descriptor is not None:
            os.close(descriptor)
        if temporary is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)


def check_output_path(out, inputs=(), kind="file", suffixes=(), force=None, option="--out"):
    """Refuse an output path that would destroy a file the user gave us.

    ``out`` may not be one of ``inputs`` (the same file, also through a link), may not be a
    folder, and its folder must exist and be writable.  When it exists: a command with a
    ``--force`` option (``force`` True or False) replaces it only with ``--force`` (a JSON
    report of another command, or of another model, is the user's too); one without
    (``force`` None: ``nnfit mnist --json``, the course's result files) replaces only a file
    with one of ``suffixes`` (the kind of file it writes, e.g. ".json").
    Raises ValueError naming ``option`` and saying what to do; returns ``out`` as a Path.
    """
    out = Path(out)
    if out.is_dir():
        raise ValueError(f"{option} {out} is a folder; give a file name inside it")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise ValueError(f"{option} {out}: the folder {folder} does not exist; create it first")
    if not os.access(folder, os.W_OK):
        raise ValueError(f"{option} {out}: the folder {folder} is not writable")
    for given in inputs:
        if given is not None and _same_file(out, Path(given)):
            raise ValueError(f"{option} {out} is also an input of this command ({given}); "
                             f"writing there would destroy it: choose another {option}")
    if out.exists() and not force:
        if suffixes and out.suffix.lower() not in suffixes:
            raise ValueError(f"{option} {out} exists and is not a {kind} ({' or '.join(suffixes)}); "
                             f"choose another name, or add --force to replace it")
        if force is False:
            raise ValueError(f"{option} {out} exists; choose another name, or add --force to "
                             "replace it")
        if not os.stat(out).st_mode & 0o222:  # the owner made it read-only (root ignores it)
            raise ValueError(f"{option} {out} is read-only; choose another name, or add --force "
                             "to replace it")
    return out


def _same_file(a, b):
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()
