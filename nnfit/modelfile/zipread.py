"""Reading a model file's bytes without trusting them: the zip directory, then bounded reads.

A ``.nnfit`` file is untrusted input (it may come from anyone), so nothing in it is decompressed
or allocated before its size is known to be right.  The zip's end record must announce at most
``MAX_MEMBERS`` entries in a central directory of at most ``MAX_DIRECTORY_BYTES`` before
``zipfile`` reads that directory (and only it); every member must be one of the names ``save``
writes, stored or deflated, not encrypted, and declare an uncompressed size within a limit:
``header.npy`` at most ``MAX_HEADER_BYTES`` (plus room for its .npy header line), every array at
most the bytes that the architecture declared in the header allows
(``arrays.expected_arrays``), all together at most ``MAX_TOTAL_BYTES``.  A 2 MB zip
bomb that inflates to 2.25 GiB is refused from its directory entry, before one byte of it is
inflated.

Each array is read by parsing its .npy header line (``numpy.lib.format``, at most
``NPY_HEADER_MAX`` bytes), checking dtype and shape against what is expected, and reading exactly
that many bytes: ``numpy.load`` is never called, so a declared shape of 10^13 elements cannot ask
for terabytes.  The JSON header is parsed only after its nesting depth (brackets outside strings)
is checked to be at most ``MAX_DEPTH``, so ``json.loads`` cannot hit Python's recursion limit.
Every problem raises ``InvalidModelFile`` with the reason; ``nnfit.load`` adds the file's name.
"""
import json
import re
import struct
import zipfile

import numpy as np
import numpy.lib.format as npy

MAX_HEADER_BYTES = 16 * 2**20  # the JSON header; a long history or many categories fit easily
MAX_TOTAL_BYTES = 8 * 2**30    # all members together, whatever the architecture says
NPY_HEADER_MAX = 4096          # a .npy header line; numpy writes 128 bytes for a 1-d array
MAX_DEPTH = 16                 # JSON nesting; save writes at most 5 levels (an ensemble 7)
MAX_LABEL_CHARS = 1024         # a class label stored in a fixed-width string array
MAX_MEMBERS = 1 + 9 * 64       # a model's save writes at most 9; an ensemble's 1 + 9 K, K <= 64
MAX_DIRECTORY_BYTES = 2**16    # the zip's central directory (save's is under 1 KB)
HEADER = "header"


class InvalidModelFile(ValueError):
    """Why a file is not a valid nnfit model file (``nnfit.load`` turns it into one ValueError)."""


def open_archive(path, allowed):
    """The open ``ZipFile`` and {array name: ZipInfo}, after checking the zip directory.

    ``allowed(name)`` says whether an array name may appear at all; sizes are checked later by
    ``check_sizes`` once the header says what to expect."""
    _check_directory_size(path)
    try:
        archive = zipfile.ZipFile(path)
        infos = archive.infolist()
    except Exception as error:  # BadZipFile, NotImplementedError, OSError, ...: damaged bytes
        raise InvalidModelFile(f"it is not a readable zip archive ({type(error).__name__}: "
                               f"{error}); a model file is the zip that save() writes") from None
    try:
        members = {}
        for info in infos:
            name = info.filename[:-4] if info.filename.endswith(".npy") else None
            if name is None or not (name == HEADER or allowed(name)):
                raise InvalidModelFile(f"unexpected member {info.filename!r} in the zip")
            if name in members:
                raise InvalidModelFile(f"the member {info.filename!r} appears twice in the zip")
            if info.flag_bits & 0x1:
                raise InvalidModelFile(f"the member {info.filename!r} is encrypted")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise InvalidModelFile(f"the member {info.filename!r} uses compression method "
                                       f"{info.compress_type}; save() writes stored members")
            members[name] = info
        if HEADER not in members:
            raise InvalidModelFile("it has no header (header.npy is missing from the zip)")
        total = sum(info.file_size for info in infos)
        if total > MAX_TOTAL_BYTES:
            raise InvalidModelFile(f"its members declare {total:,} bytes in all, over the limit "
                                   f"of {MAX_TOTAL_BYTES:,}")
        check_size(members[HEADER], MAX_HEADER_BYTES)
    except BaseException:
        archive.close()
        raise
    return archive, members


def _check_directory_size(path):
    """Read the zip's end record (its last 22 to 65,557 bytes) and refuse a central directory
    too large for a model file before ``zipfile`` parses it into one object per entry."""
    with open(path, "rb") as file:
        size = file.seek(0, 2)
        file.seek(max(0, size - 22 - 65535))
        tail = file.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return  # no end record: zipfile says what is wrong
    entries, directory = struct.unpack("<HI", tail[at + 10:at + 16])
    if entries > MAX_MEMBERS or directory > MAX_DIRECTORY_BYTES:
        raise InvalidModelFile(f"its zip directory lists {entries:,} members in {directory:,} "
                               f"bytes; a model file has at most {MAX_MEMBERS}")


def check_size(info, data_bytes):
    """Refuse a member whose declared uncompressed size exceeds its data plus a .npy header."""
    limit = data_bytes + NPY_HEADER_MAX
    if info.file_size > limit:
        raise InvalidModelFile(f"the member {info.filename!r} declares {info.file_size:,} bytes "
                               f"uncompressed, more than the {limit:,} its header allows "
                               "(a zip bomb or a damaged file)")


def read_array(archive, info, check):
    """Read one .npy member: parse its header line, let ``check(dtype, shape)`` accept it, then
    read exactly the bytes it declares (and nothing more may follow)."""
    try:
        with archive.open(info) as stream:
            version = npy.read_magic(stream)
            reader = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
            if version not in ((1, 0), (2, 0), (3, 0)):
                raise InvalidModelFile(f"{info.filename} has .npy version {version}")
            shape, fortran, dtype = reader(stream, max_header_size=NPY_HEADER_MAX)
            if fortran or dtype.hasobject or dtype.fields is not None or len(shape) != 1:
                raise InvalidModelFile(f"{info.filename} holds a {dtype} array of shape {shape}; "
                                       "save() writes plain one-dimensional arrays")
            check(dtype, shape)
            size = shape[0] * dtype.itemsize
            if info.file_size != stream.tell() + size:
                raise InvalidModelFile(f"{info.filename} declares {info.file_size:,} bytes but "
                                       f"its array needs {stream.tell() + size:,}")
            data = stream.read(size)
            if len(data) != size or stream.read(1):
                raise InvalidModelFile(f"{info.filename} is cut short or has bytes after its array")
    except InvalidModelFile:
        raise
    except Exception as error:  # a bad CRC, a broken deflate stream, an unparsable .npy line
        raise InvalidModelFile(f"{info.filename} cannot be read ({type(error).__name__}: "
                               f"{error}); the file is damaged") from None
    return np.frombuffer(data, dtype=dtype).copy()  # writable, owns its memory


def read_header(archive, info):
    """The JSON header as a dict, parsed only after its size and nesting depth are checked."""
    def check(dtype, shape):
        if dtype != np.uint8 or shape[0] > MAX_HEADER_BYTES:
            raise InvalidModelFile(f"the header is a {dtype} array of {shape[0]:,} values; "
                                   f"expected at most {MAX_HEADER_BYTES:,} bytes (uint8)")

    raw = read_array(archive, info, check).tobytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidModelFile(f"its header is not UTF-8 text ({error})") from None
    depth = json_depth(text)
    if depth > MAX_DEPTH:
        raise InvalidModelFile(f"its header nests {depth} levels deep; at most {MAX_DEPTH} "
                               "are allowed")
    try:
        header = json.loads(text)
    except ValueError as error:  # JSONDecodeError, an integer of too many digits
        raise InvalidModelFile(f"its header is not valid JSON ({error})") from None
    if not isinstance(header, dict):
        raise InvalidModelFile(f"its header is a JSON {type(header).__name__}, not an object")
    return header


# a string, or an unterminated one up to the end: every quote starts a match, so the scan is linear
_STRING = re.compile(r'"(?:[^"\\]|\\.)*\\?(?:"|\Z)', re.DOTALL)


def json_depth(text):
    """The deepest nesting of [ and { in JSON ``text``, brackets inside strings not counted."""
    codes = np.frombuffer(_STRING.sub("", text).encode("utf-8"), dtype=np.uint8)
    step = ((codes == ord("[")) | (codes == ord("{"))).astype(np.int64)
    step -= (codes == ord("]")) | (codes == ord("}"))
    return int(np.cumsum(step).max(initial=0))
