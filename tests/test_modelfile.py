"""A model file is untrusted input: every case of issue 11 (items 1-3) replayed, each refused with
one ValueError "... is not a valid nnfit model file: <why>", and the optional HMAC signature."""
import io
import json
import os
import struct
import subprocess
import sys
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest

import nnfit
from nnfit import MLPClassifier, MLPRegressor
from nnfit.modelfile.format import HEADER, canonical, digest as file_digest

INVALID = "is not a valid nnfit model file: "


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 3))
    return X, X[:, 0] - X[:, 1]


@pytest.fixture
def adam_file(tmp_path, data):
    X, y = data
    return MLPRegressor((4,), epochs=2, warm_start=True, random_state=0).fit(X, y).save(
        tmp_path / "m.nnfit")


@pytest.fixture
def classifier_file(tmp_path, data):
    X, _ = data
    y = np.digitize(X[:, 0], [-0.5, 0.5])  # 3 classes: 3 output units, labels in an array
    return MLPClassifier((4,), epochs=2, random_state=0).fit(X, y).save(tmp_path / "c.nnfit")


def read_members(path):
    with np.load(path, allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def rewrite(path, edit, digest=True):
    """Edit a valid file's header and arrays, recompute its SHA-256 (as anyone can) and save."""
    arrays = read_members(path)
    header = json.loads(arrays.pop(HEADER).tobytes())
    edit(header, arrays)
    if digest:
        header["sha256"] = file_digest(header, arrays)
    raw = header if isinstance(header, bytes) else canonical(header)
    arrays[HEADER] = np.frombuffer(raw, dtype=np.uint8)
    with open(path, "wb") as file:
        np.savez(file, **arrays)
    return path


def refused(path, why, **kwargs):
    with pytest.raises(ValueError) as info:
        nnfit.load(path, **kwargs)
    message = str(info.value)
    assert INVALID in message and why in message, message
    assert "\n" not in message
    return message


def test_a_renamed_npy_file_is_refused(tmp_path):
    path = tmp_path / "m.nnfit"
    with open(path, "wb") as file:
        np.save(file, np.arange(5.0))
    refused(path, "not a readable zip archive")


def test_every_flipped_byte_of_the_zip_directory_is_refused_or_harmless(adam_file, data):
    X, _ = data
    expected = nnfit.load(adam_file).predict(X)
    original = adam_file.read_bytes()
    start = original.rindex(b"PK\x01\x02")  # the last member's central directory entry
    for position in range(start, len(original)):
        damaged = bytearray(original)
        damaged[position] ^= 0x8D
        adam_file.write_bytes(bytes(damaged))
        try:
            loaded = nnfit.load(adam_file)
        except ValueError as error:
            assert INVALID in str(error)
        else:  # a field nnfit does not read (a timestamp, "made by"): the model is unchanged
            assert np.array_equal(loaded.predict(X), expected)


def test_a_zip_file_version_from_the_future_is_a_message(adam_file):
    damaged = bytearray(adam_file.read_bytes())
    damaged[damaged.rindex(b"PK\x01\x02") + 6] = 0x8D  # "version needed to extract": 14.1
    adam_file.write_bytes(bytes(damaged))
    refused(adam_file, "zip file version 14.1")


def test_a_zip_directory_of_thousands_of_entries_is_refused_before_it_is_parsed(tmp_path):
    path = tmp_path / "many.nnfit"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(3000):
            archive.writestr(f"{i}.npy", b"")
    refused(path, "its zip directory lists 3,000 members")


def test_a_header_that_is_json_but_not_an_object(adam_file):
    arrays = read_members(adam_file)
    arrays[HEADER] = np.frombuffer(b"[1, 2, 3]", dtype=np.uint8)
    with open(adam_file, "wb") as file:
        np.savez(file, **arrays)
    refused(adam_file, "its header is a JSON list, not an object")


def test_a_deeply_nested_header_cannot_exhaust_the_stack(adam_file):
    arrays = read_members(adam_file)
    arrays[HEADER] = np.frombuffer(b'{"a": ' + b"[" * 200_000 + b"]" * 200_000 + b"}", np.uint8)
    with open(adam_file, "wb") as file:
        np.savez(file, **arrays)
    refused(adam_file, "nests 200001 levels deep")


def npy_prefix(dtype, length):
    """A .npy version 1.0 header line for a one-dimensional array (the format's own rules)."""
    text = repr({"descr": np.dtype(dtype).str, "fortran_order": False, "shape": (length,)})
    text += " " * (-(len(text) + 11) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode("latin1")


def write_members(path, members):
    """A zip of .npy members {name: bytes}, stored, as numpy.savez writes it."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, payload in members.items():
            archive.writestr(name + ".npy", payload)


def test_an_array_declaring_ten_to_the_thirteen_values_allocates_nothing(adam_file):
    members = {name: npy_bytes(a) for name, a in read_members(adam_file).items()}
    theta = read_members(adam_file)["theta"]
    members["theta"] = npy_prefix(theta.dtype, 10**13) + theta.tobytes()
    write_members(adam_file, members)
    tracemalloc.start()
    try:
        refused(adam_file, "'theta' is float32 of shape (10000000000000,)")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20  # the old loader asked for 72.8 TiB


@pytest.mark.parametrize("key", ["n_iter", "rng_state", "architecture", "sha256"])
def test_a_missing_key_is_named(adam_file, key):
    rewrite(adam_file, lambda header, arrays: header.pop(key), digest=key != "sha256")
    refused(adam_file, f"lacks the key(s) ['{key}']")


@pytest.mark.parametrize("edit, why", [
    (lambda a: a.update(classes=a["classes"][:2]), "'classes' is int64 of shape (2,)"),
    (lambda a: a.update(classes=np.arange(4)), "'classes' is int64 of shape (4,)"),
    (lambda a: a.update(classes=np.array([2, 1, 0])), "class labels are not distinct and sorted"),
])
def test_classes_must_match_the_output_layer(classifier_file, edit, why):
    rewrite(classifier_file, lambda header, arrays: edit(arrays))
    refused(classifier_file, why)


def test_string_labels_in_the_header_must_match_the_output_layer(tmp_path, data):
    X, _ = data
    y = np.array(["a", "b"], dtype=object)[(X[:, 0] > 0).astype(int)]
    path = MLPClassifier((3,), epochs=2, random_state=0).fit(X, y).save(tmp_path / "s.nnfit")
    rewrite(path, lambda header, arrays: header["classes"]["labels"].append("c"))
    refused(path, "expected 2 labels, one per class of the output layer")


def _set(name, index, value):
    def edit(header, arrays):
        arrays[name] = arrays[name].copy()
        arrays[name][index] = value
    return edit


@pytest.mark.parametrize("edit, why", [
    (_set("theta", 3, np.nan), "'theta' has 1 NaN or infinite value(s)"),
    (_set("theta", 0, np.inf), "'theta' has 1 NaN or infinite value(s)"),
    (_set("x_scale", 1, 0.0), "'x_scale' has value(s) <= 0"),
    (_set("target_scale", 0, -1.0), "'target_scale' has value(s) <= 0"),
    (_set("optimizer_s", 2, -1.0), "'optimizer_s' (a running average of squared gradients)"),
    (lambda h, a: a.update(optimizer_m=a["optimizer_m"][:1]), "'optimizer_m' is float32 of shape"),
    (lambda h, a: a.update(theta=a["theta"].astype(np.float64)), "'theta' is float64"),
    (lambda h, a: a.update(extra=np.zeros(3)), "unexpected member 'extra.npy'"),
    (lambda h, a: a.update(optimizer_velocity=a["optimizer_m"]), "['optimizer_velocity']"),
    (lambda h, a: a.pop("x_scale"), "missing ['x_scale']"),
    (lambda h, a: a.pop("optimizer_s"), "missing ['optimizer_s']"),  # found by the fuzz
    (lambda h, a: h.update(surprise=1), "unknown key(s) ['surprise']"),
    (lambda h, a: h["params"].update(learning_rte=0.1), "unknown hyperparameter(s) ['learning"),
    (lambda h, a: h["params"].update(learning_rate=-1.0), "learning_rate=-1.0 is invalid"),
    (lambda h, a: h.update(architecture=[3, 10**6, 10**6, 1]), "over the limit"),
    (lambda h, a: h.update(n_iter=-1), "'n_iter' is -1"),
    (lambda h, a: h.update(rng_state={"bit_generator": "PCG64", "state": 5}), "not a valid PCG64"),
    (lambda h, a: h["fitted_as"].__setitem__(2, "float16"), "'fitted_as' is 'float16'"),
    (lambda h, a: h.update(target_ndim=True), "'target_ndim' is True"),
])
def test_edited_files_with_a_recomputed_digest_are_refused(adam_file, edit, why):
    rewrite(adam_file, edit)
    refused(adam_file, why)


def test_the_cut_optimizer_state_is_refused_with_and_without_numba(adam_file):
    rewrite(adam_file, lambda h, a: a.update(optimizer_m=a["optimizer_m"][:1]))
    with pytest.raises(ValueError) as info:
        nnfit.load(adam_file)
    code = ("import sys, nnfit\ntry:\n    nnfit.load(sys.argv[1])\n"
            "except ValueError as e:\n    print(e)")
    done = subprocess.run([sys.executable, "-c", code, str(adam_file)], capture_output=True,
                          env=dict(os.environ, NNFIT_NO_NUMBA="1"), text=True, timeout=120)
    assert done.stdout.strip() == str(info.value), done.stderr
    assert "'optimizer_m' is float32 of shape (1,)" in done.stdout


def test_tabular_preprocessing_is_checked(tmp_path):
    from nnfit.cli import main
    import pandas as pd
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"a": rng.normal(size=40), "b": rng.choice(["u", "v"], 40)})
    frame["y"] = frame.a * 2
    frame.to_csv(tmp_path / "d.csv", index=False)
    assert main(["fit", str(tmp_path / "d.csv"), "--target", "y", "--epochs", "2", "--quiet",
                 "--out", str(tmp_path / "t.nnfit")]) == 0
    rewrite(tmp_path / "t.nnfit",
            lambda h, a: h["tabular"]["preprocessing"]["numeric"][0].update(sd=0.0))
    refused(tmp_path / "t.nnfit", "numeric columns with a finite mean and an sd > 0")


# --- the zip bomb ------------------------------------------------------------------------------
def _zip(path, members):
    """A zip of (name, method, crc, compressed bytes, uncompressed size) entries, by hand, so a
    member's deflate stream can be built without inflating gigabytes first."""
    local, central = bytearray(), bytearray()
    for name, method, crc, payload, size in members:
        name = name.encode()
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21,
                               crc, len(payload), size, len(name), 0, 0, 0, 0, 0, len(local))
        central += name
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc,
                             len(payload), size, len(name), 0) + name + payload
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central),
                      len(local), 0)
    path.write_bytes(bytes(local + central + end))


def test_a_zip_bomb_is_refused_from_its_directory(adam_file):
    arrays = read_members(adam_file)
    chunk, n_chunks = bytes(64 * 2**20), 36  # theta inflates to 2.25 GiB of zeros
    prefix = npy_prefix(np.float32, n_chunks * len(chunk) // 4)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = deflate.compress(prefix) + deflate.flush(zlib.Z_FULL_FLUSH)
    block = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)  # the same for each chunk
    stream = start + block * n_chunks + deflate.flush()
    crc = zlib.crc32(prefix)
    for _ in range(n_chunks):
        crc = zlib.crc32(chunk, crc)
    members = [("theta.npy", 8, crc, stream, len(prefix) + n_chunks * len(chunk))]
    for name, array in arrays.items():
        if name != "theta":
            payload = npy_bytes(array)
            members.append((name + ".npy", 0, zlib.crc32(payload), payload, len(payload)))
    _zip(adam_file, members)
    assert adam_file.stat().st_size < 3 * 2**20
    with zipfile.ZipFile(adam_file) as archive:  # what the old loader inflated and allocated
        assert archive.getinfo("theta.npy").file_size > 2.25 * 2**30
    tracemalloc.start()
    try:
        refused(adam_file, "'theta.npy' declares 2,415,919,232 bytes uncompressed")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20  # the old loader: 2.25 GB


def npy_bytes(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array)
    return buffer.getvalue()


# --- signatures --------------------------------------------------------------------------------
def test_a_signed_file_loads_with_its_key_and_no_other(adam_file, data, tmp_path):
    X, _ = data
    model = nnfit.load(adam_file)
    signed = model.save(tmp_path / "signed.nnfit", key=b"a secret of 16+ bytes")
    assert np.array_equal(nnfit.load(signed, key=b"a secret of 16+ bytes").predict(X),
                          model.predict(X))
    assert np.array_equal(nnfit.load(signed).predict(X), model.predict(X))  # no key: not checked
    refused(signed, "signature does not match the key", key="another secret")
    refused(adam_file, "it is not signed, but a key was given", key="a secret")


def test_a_signed_file_edited_with_a_recomputed_digest_is_refused_with_the_key(adam_file):
    signed = nnfit.load(adam_file).save(adam_file, key="k" * 20)
    rewrite(signed, _set("theta", 0, 0.5))
    refused(signed, "signature does not match the key", key="k" * 20)


def test_the_key_can_come_from_the_environment(adam_file, monkeypatch):
    model = nnfit.load(adam_file)
    monkeypatch.setenv("NNFIT_MODEL_KEY", "from the environment")
    signed = model.save(adam_file.parent / "e.nnfit")
    nnfit.load(signed)
    nnfit.load(signed, key="from the environment")
    refused(adam_file, "it is not signed")  # the unsigned file, now that a key is required
    monkeypatch.setenv("NNFIT_MODEL_KEY", "another key")
    refused(signed, "signature does not match the key")


@pytest.mark.parametrize("key, error", [(b"", ValueError), (12345, TypeError)])
def test_a_bad_key_is_a_clear_error(adam_file, key, error):
    with pytest.raises(error, match="key"):
        nnfit.load(adam_file, key=key)


def test_the_command_line_prints_one_line_for_a_bad_model_file(adam_file, tmp_path, capsys):
    from nnfit.cli import main
    (tmp_path / "new.csv").write_text("a,b\n1,2\n")
    rewrite(adam_file, _set("x_scale", 0, 0.0))
    assert main(["predict", str(adam_file), str(tmp_path / "new.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not a valid nnfit model file: its array 'x_scale'" in err


@pytest.mark.parametrize("position", [2, 3, 4])
def test_a_list_where_a_name_belongs_is_refused(adam_file, position):
    # found by the fuzz: an activation given as a list raised "unhashable type: 'list'"
    rewrite(adam_file, lambda header, arrays: header["fitted_as"].__setitem__(position, ["x"]))
    refused(adam_file, "its header's 'fitted_as' is ['x']")
