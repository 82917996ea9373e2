import os

import pytest

from nnfit._files import atomic_write, check_output_path


def test_atomic_write_replaces_whole_file_and_keeps_mode(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    os.chmod(target, 0o600)
    with atomic_write(target, "w") as f:
        f.write("new")
    assert target.read_text() == "new"
    assert os.stat(target).st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_atomic_write_error_leaves_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "m.nnfit"
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(target) as f:
            f.write(b"partial")
            raise KeyboardInterrupt
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["m.nnfit"]


def test_atomic_write_does_not_follow_planted_symlink(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("keep")
    (tmp_path / "m.nnfit.partial").symlink_to(victim)
    with atomic_write(tmp_path / "m.nnfit") as f:
        f.write(b"model")
    assert victim.read_text() == "keep"
    assert (tmp_path / "m.nnfit").read_bytes() == b"model"


def test_check_output_path_refuses_inputs_kinds_and_readonly(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="also an input"):
        check_output_path(data, inputs=[data], suffixes=(".nnfit",))
    with pytest.raises(ValueError, match="not a model"):
        check_output_path(data, kind="model", suffixes=(".nnfit",))
    model = tmp_path / "m.nnfit"
    model.write_bytes(b"x")
    os.chmod(model, 0o444)
    with pytest.raises(ValueError, match="read-only"):
        check_output_path(model, suffixes=(".nnfit",))
    assert check_output_path(model, suffixes=(".nnfit",), force=True) == model
    with pytest.raises(ValueError, match="is a folder"):
        check_output_path(tmp_path)
    with pytest.raises(ValueError, match="does not exist"):
        check_output_path(tmp_path / "nope" / "m.nnfit")


def test_commands_refuse_a_json_out_that_would_destroy_an_input_or_another_file(tmp_path):
    from nnfit.cli import main
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n")
    assert main(["hitters", "--quick", "--json", str(data)]) == 2
    assert main(["mnist", "--quick", "--rows", "lda", "--json", str(data)]) == 2
    assert data.read_text() == "a,b\n1,2\n"
    assert main(["mnist", "--quick", "--rows", "lda", "--out", str(data)]) == 2
    assert data.read_text() == "a,b\n1,2\n"


def test_a_json_report_of_a_command_with_force_is_never_replaced_without_it(tmp_path, capsys):
    """fit, cv and evaluate refuse an existing --json (another command's report, or another
    model's) unless --force; with it they replace it; a command without --force (mnist) keeps
    replacing its own kind of file."""
    from nnfit.cli import main
    data = tmp_path / "data.csv"
    rows = [f"{i % 7},{(i * 3) % 5},{i % 2}" for i in range(60)]
    data.write_text("a,b,y\n" + "\n".join(rows) + "\n")
    earlier = tmp_path / "cv.json"
    earlier.write_text('{"kept": true}')
    model = tmp_path / "m.nnfit"
    quick = ["--hidden", "2", "--epochs", "2", "--quiet"]
    for argv in (["fit", str(data), "--target", "y", "--out", str(model), *quick],
                 ["cv", str(data), "--target", "y", "--folds", "2", "--bootstrap", "0", *quick]):
        assert main([*argv, "--json", str(earlier)]) == 2
        assert f"--json {earlier} exists; choose another name, or add --force" in \
            capsys.readouterr().err
        assert earlier.read_text() == '{"kept": true}' and not model.exists()
    assert main(["fit", str(data), "--target", "y", "--out", str(model), *quick]) == 0
    assert main(["evaluate", str(model), str(data), "--bootstrap", "0", "--json",
                 str(earlier)]) == 2
    assert earlier.read_text() == '{"kept": true}'
    assert main(["evaluate", str(model), str(data), "--bootstrap", "0", "--json",
                 str(earlier), "--force"]) == 0
    assert '"kept"' not in earlier.read_text()
    assert check_output_path(earlier, suffixes=(".json",)) == earlier  # no --force option
