"""Ordinary mistakes, tried as a new user makes them: the user's files survive (compared by content),
the message is one clear line with exit code 2, or the result is correct. docs/reliability.md lists
each case and what it gets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from align.cli import app
from align.outputs import MARKER, atomic_path, check_output, sweep_stale_temporaries
from tests.conftest import COMPOSED, PAIRS, write_moses

runner = CliRunner()
REPO = Path(__file__).resolve().parents[1]


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file below ``directory`` with its bytes, to compare before and after."""
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()
    }


def user_dir(root: Path) -> Path:
    """A directory of someone's own files: what align must never delete."""
    directory = root / "userdir"
    (directory / "notes").mkdir(parents=True)
    (directory / "thesis.tex").write_text("\\section{Results}\n", encoding="utf-8")
    (directory / "notes" / "todo.txt").write_text("back up the thesis\n", encoding="utf-8")
    return directory


def refused(result, *fragments: str) -> None:
    """A clear refusal: exit code 2, the message, no traceback."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output, result.output
    for fragment in fragments:
        assert fragment in result.output, (fragment, result.output)


@pytest.fixture(scope="module")
def sentences(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("sentences")
    en, zh = root / "s.en", root / "s.zh"
    en.write_text("".join(f"{e}\n" for e, _ in COMPOSED[:30]), encoding="utf-8")
    zh.write_text("".join(f"{z}\n" for _, z in COMPOSED[:30]), encoding="utf-8")
    return en, zh


@pytest.fixture(scope="module")
def index_dir(tiny_model: Path, sentences, tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("index") / "idx"
    # the read-only index format (a factory), whose files these tests damage
    command = ["index", str(sentences[1]), str(output), "--model", str(tiny_model), "--index-factory", "Flat"]
    result = runner.invoke(app, command)
    assert result.exit_code == 0, result.output
    return output


# --- Data loss -----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["embed", "mine", "bench"])
def test_force_never_replaces_a_directory_with_a_file(command, tiny_model, sentences, tmp_path) -> None:
    victim = user_dir(tmp_path)
    before = snapshot(victim)
    en, zh = map(str, sentences)
    arguments = {
        "embed": ["embed", zh, str(victim), "--model", str(tiny_model), "--force"],
        "mine": ["mine", "--src", en, "--tgt", zh, "-o", str(victim), "--model", str(tiny_model), "--force"],
        "bench": ["bench", "tatoeba", "--model", str(tiny_model), "-o", str(victim), "--force"],
    }[command]
    refused(runner.invoke(app, arguments), "is a directory")
    assert snapshot(victim) == before


def test_index_force_never_wipes_a_users_directory(tiny_model, sentences, tmp_path) -> None:
    victim = user_dir(tmp_path)
    before = snapshot(victim)
    result = runner.invoke(
        app, ["index", str(sentences[1]), str(victim), "--model", str(tiny_model), "--force"]
    )
    refused(result, "align did not write", "even with --force")
    assert snapshot(victim) == before


def test_index_into_the_current_directory_is_refused(tiny_model, tmp_path, monkeypatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "docs.zh").write_text("你好。\n再见。\n", encoding="utf-8")
    before = snapshot(work)
    monkeypatch.chdir(work)
    for target in (".", ".."):
        result = runner.invoke(app, ["index", "docs.zh", target, "--model", str(tiny_model), "--force"])
        refused(result, "current directory")
    assert snapshot(work) == before


def test_an_output_may_not_hold_or_be_its_input(tiny_model, tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "docs.zh").write_text("你好。\n", encoding="utf-8")
    result = runner.invoke(
        app, ["embed", str(data / "docs.zh"), str(data / "docs.zh"), "--model", "x", "--force"]
    )
    refused(result, "is also an input")
    (data / MARKER).write_text("{}", encoding="utf-8")  # even a directory that looks like align's
    result = runner.invoke(app, ["index", str(data / "docs.zh"), str(data), "--model", "x", "--force"])
    refused(result, "holds the input")
    assert (data / "docs.zh").read_text(encoding="utf-8") == "你好。\n"


def test_force_replaces_an_index_align_wrote(tiny_model, sentences, tmp_path) -> None:
    output = tmp_path / "idx"
    arguments = ["index", str(sentences[0]), str(output), "--model", str(tiny_model)]
    assert runner.invoke(app, arguments).exit_code == 0
    refused(runner.invoke(app, arguments), "already exists; pass --force")
    result = runner.invoke(app, [*arguments, "--force"])
    assert result.exit_code == 0, result.output
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporaries left


def test_plot_obeys_force_and_never_replaces_a_directory(tiny_model, tmp_path) -> None:
    photo = tmp_path / "photo.png"
    photo.write_bytes(b"\x89PNG my holiday")
    result = runner.invoke(app, ["bench", "tatoeba", "--model", str(tiny_model), "--plot", str(photo)])
    refused(result, "already exists; pass --force")
    assert photo.read_bytes() == b"\x89PNG my holiday"
    victim = user_dir(tmp_path)
    before = snapshot(victim)
    result = runner.invoke(app, ["bench", "bucc", "--model", "m", "--data", str(tmp_path), "--pair", "de-en",
                                 "--plot", str(victim), "--force"])  # fmt: skip
    refused(result, "is a directory")
    assert snapshot(victim) == before


def test_atomic_path_refuses_to_replace_a_foreign_directory_through_the_api(tmp_path) -> None:
    from align.errors import AlignError

    victim = user_dir(tmp_path)
    before = snapshot(victim)
    with pytest.raises(AlignError, match="did not write"), atomic_path(victim) as tmp:
        tmp.mkdir()
    with pytest.raises(AlignError, match="with a file"), atomic_path(victim) as tmp:
        tmp.write_text("x")
    assert snapshot(victim) == before


def test_outputs_take_the_umask_permissions(tiny_model, tmp_path) -> None:
    mask = os.umask(0o022)
    os.umask(mask)
    weights = next(tiny_model.rglob("*.safetensors"))
    assert weights.stat().st_mode & 0o777 == 0o666 & ~mask
    assert tiny_model.stat().st_mode & 0o777 == 0o777 & ~mask
    with atomic_path(tmp_path / "report.json") as tmp:
        tmp.write_text("{}")
    assert (tmp_path / "report.json").stat().st_mode & 0o777 == 0o666 & ~mask


def test_a_killed_writer_leaves_a_temporary_that_the_next_write_sweeps(tmp_path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    from align.outputs import _host

    stale = tmp_path / f".out.npy.align-{_host()}-{dead.pid}-abc123.partial"
    stale.mkdir()
    (stale / "out.npy").write_bytes(b"half")
    alive = tmp_path / f".out.npy.align-{_host()}-{os.getpid()}-def456.partial"
    alive.mkdir()
    other = tmp_path / ".other.align-x-1-a.partial"  # another target's, or not align's: untouched
    other.mkdir()
    assert sweep_stale_temporaries(tmp_path / "out.npy") == 1
    assert not stale.exists() and alive.exists() and other.exists()


def test_sigterm_removes_the_temporary(tmp_path) -> None:
    script = (
        "import os, signal, time\n"
        "from align.cli_errors import install_signal_handlers\n"
        "from align.outputs import atomic_path\n"
        "install_signal_handlers()\n"
        f"with atomic_path({str(tmp_path / 'out.txt')!r}) as tmp:\n"
        "    tmp.write_text('half')\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    time.sleep(5)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO)
    assert result.returncode != 0 and "KeyboardInterrupt" in result.stderr
    assert list(tmp_path.iterdir()) == []


# --- Silently wrong results ----------------------------------------------------------------------


def test_resume_refuses_other_settings_or_data_and_names_them(tmp_path) -> None:
    from align.data import resolve_sources
    from align.training.runs import input_fingerprints, prepare_work_dir, run_record

    corpus = write_moses(tmp_path / "corpus", PAIRS)
    other = write_moses(tmp_path / "other", PAIRS[:4])
    output = tmp_path / "model"

    def record(data: Path, epochs: float) -> dict:
        sources = resolve_sources("en-zh", str(data))
        return run_record(
            {"data": str(data), "epochs": epochs, "resume": False}, input_fingerprints(sources, ())
        )

    work = prepare_work_dir(output, resume=False, force=False, record=record(corpus, 40))
    (work / "checkpoints" / "checkpoint-10").mkdir(parents=True)  # the run got as far as a checkpoint
    (work / "checkpoints" / "checkpoint-10" / "trainer_state.json").write_text("{}", encoding="utf-8")
    with pytest.raises(Exception, match=r"epochs 40 → 10"):
        prepare_work_dir(output, resume=True, force=False, record=record(corpus, 10))
    with pytest.raises(Exception, match=r"data .* → .*other.*is no longer read.*is new"):
        prepare_work_dir(output, resume=True, force=False, record=record(other, 40))
    (corpus / "tiny.en-zh.en").write_text("Edited.\n" * 6, encoding="utf-8")
    with pytest.raises(Exception, match=r"tiny.en-zh.en changed"):
        prepare_work_dir(output, resume=True, force=False, record=record(corpus, 40))
    assert (work / "checkpoints" / "checkpoint-10").is_dir()  # refusing touched nothing


def test_resuming_drops_a_checkpoint_the_interruption_cut_short(tmp_path) -> None:
    from align.data import resolve_sources
    from align.training.runs import input_fingerprints, prepare_work_dir, run_record

    corpus = write_moses(tmp_path / "corpus", PAIRS)
    record = run_record({"data": str(corpus)}, input_fingerprints(resolve_sources("en-zh", str(corpus)), ()))
    output = tmp_path / "model"
    work = prepare_work_dir(output, resume=False, force=False, record=record)
    whole, cut = work / "checkpoints" / "checkpoint-6", work / "checkpoints" / "checkpoint-12"
    for checkpoint in (whole, cut):
        checkpoint.mkdir(parents=True)
        (checkpoint / "model.safetensors").write_bytes(b"weights")
    (whole / "trainer_state.json").write_text("{}", encoding="utf-8")  # the trainer writes it last
    assert prepare_work_dir(output, resume=True, force=False, record=record) == work
    assert whole.is_dir() and not cut.exists()


@pytest.mark.slow
def test_a_failed_start_leaves_nothing_that_blocks_the_rerun(tmp_path) -> None:
    corpus = write_moses(tmp_path / "corpus", COMPOSED)
    with open(corpus / "tiny.en-zh.zh", "ab") as handle:
        handle.write(b"\xff\xfe bad\n")
    with open(corpus / "tiny.en-zh.en", "a", encoding="utf-8") as handle:
        handle.write("Bad.\n")
    arguments = ["train", "--pairs", "en-zh", "--data", str(corpus), "--output", str(tmp_path / "m"),
                 "--epochs", "1", "--batch-size", "16", "--dim", "16", "--dev-size", "12"]  # fmt: skip
    refused(runner.invoke(app, arguments), "not valid UTF-8", "--skip-bad-lines")
    assert not (tmp_path / "m.work").exists()
    result = runner.invoke(app, [*arguments, "--skip-bad-lines"])
    assert result.exit_code == 0, result.output


def test_an_edited_index_is_an_error_naming_the_file(index_dir, tmp_path) -> None:
    import shutil

    for name, damage in [
        ("documents.jsonl", lambda text: "".join(text.splitlines(keepends=True)[4:])),
        ("index.json", lambda text: text[: len(text) // 2]),
        ("index.faiss", None),
    ]:
        copy = tmp_path / name / "idx"
        shutil.copytree(index_dir, copy)
        path = copy / name
        if damage is None:
            path.write_bytes(path.read_bytes()[:-100])
        else:
            path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
        result = runner.invoke(app, ["search", str(copy), "Where is the train station?"])
        refused(result, name)
        # Without the manifest (an older index) the counts and formats still catch it.
        (copy / MARKER).unlink()
        refused(runner.invoke(app, ["search", str(copy), "Where is the train station?"]), name)


def test_search_stores_the_model_path_absolute_and_refuses_empty_queries(
    tiny_model, sentences, tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tiny_model.parent)
    result = runner.invoke(
        app, ["index", str(sentences[1]), str(tmp_path / "idx"), "--model", tiny_model.name]
    )
    assert result.exit_code == 0, result.output
    from align.store.files import store_info

    assert store_info(tmp_path / "idx")["model"] == str(tiny_model.resolve())
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["search", "idx", "I like tea.", "-k", "1"])
    assert result.exit_code == 0 and "我喜欢茶。" in result.output, result.output
    refused(runner.invoke(app, ["search", "idx", ""]), "query 1 is empty")
    refused(runner.invoke(app, ["search", "idx", "tea", "-k", "0"]), "-k")


def test_a_nul_byte_is_a_bad_line_and_never_reaches_the_tsv(tiny_model, tmp_path) -> None:
    en, zh = tmp_path / "a.en", tmp_path / "a.zh"
    en.write_bytes("".join(f"{e}\n" for e, _ in COMPOSED[:20]).encode() + b"I like\x00tea.\n")
    zh.write_text("".join(f"{z}\n" for _, z in COMPOSED[:20]), encoding="utf-8")
    base = [
        "mine",
        "--src",
        str(en),
        "--tgt",
        str(zh),
        "-o",
        str(tmp_path / "p.tsv"),
        "--model",
        str(tiny_model),
    ]
    refused(runner.invoke(app, base), f"{en}:21", "NUL byte", "--skip-bad-lines")
    result = runner.invoke(app, [*base, "--skip-bad-lines"])
    assert result.exit_code == 0, result.output
    assert "skipped 1 lines" in result.output
    assert b"\x00" not in (tmp_path / "p.tsv").read_bytes()


def test_a_partial_gold_list_gets_a_warning(tiny_model, sentences, tmp_path) -> None:
    en, zh = sentences
    gold = tmp_path / "gold.tsv"
    gold.write_text("1\t1\n2\t2\n", encoding="utf-8")
    arguments = ["mine", "--src", str(en), "--tgt", str(zh), "-o", str(tmp_path / "p.tsv"),
                 "--model", str(tiny_model), "--gold", str(gold)]  # fmt: skip
    result = runner.invoke(app, arguments)
    assert result.exit_code == 0, result.output
    assert "warning: at the calibrated threshold only" in result.output
    assert "must list every true pair" in result.output
    full = tmp_path / "full.tsv"
    full.write_text("".join(f"{i}\t{i}\n" for i in range(1, 31)), encoding="utf-8")
    result = runner.invoke(app, [*arguments[:-1], str(full), "--force"])
    assert result.exit_code == 0 and "warning" not in result.output, result.output


# --- Errors that mislead or crash ----------------------------------------------------------------


@pytest.mark.parametrize("command", ["embed", "mine", "index", "neighbours"])
def test_bad_utf8_says_skip_bad_lines_and_every_reader_offers_it(
    command, tiny_model, sentences, tmp_path
) -> None:
    bad = tmp_path / "bad.zh"
    bad.write_bytes("你好。\n".encode() + b"\xc3\x28 broken\n" + "再见。\n".encode())
    en = str(sentences[0])
    arguments = {
        "embed": ["embed", str(bad), str(tmp_path / "o.npy")],
        "mine": ["mine", "--src", en, "--tgt", str(bad), "-o", str(tmp_path / "o.tsv")],
        "index": ["index", str(bad), str(tmp_path / "idx")],
        "neighbours": ["neighbours", en, str(bad)],
    }[command] + ["--model", str(tiny_model)]
    refused(runner.invoke(app, arguments), f"{bad}:2", "not valid UTF-8", "--skip-bad-lines")
    result = runner.invoke(app, [*arguments, "--skip-bad-lines"])
    assert result.exit_code == 0, result.output
    if command == "embed":
        assert np.load(tmp_path / "o.npy").shape[0] == 3  # row i is still line i


def test_k_zero_is_an_argument_error(tiny_model, sentences, tmp_path) -> None:
    en, zh = map(str, sentences)
    refused(
        runner.invoke(app, ["mine", "--src", en, "--tgt", zh, "-o", str(tmp_path / "p"), "-k", "0"]), "-k"
    )
    refused(runner.invoke(app, ["neighbours", en, zh, "--model", "m", "-k", "0"]), "-k")


def test_a_truncated_npy_is_an_error_naming_it(tiny_model, sentences, tmp_path) -> None:
    en, zh = map(str, sentences)
    npy = tmp_path / "en.npy"
    assert runner.invoke(app, ["embed", en, str(npy), "--model", str(tiny_model)]).exit_code == 0
    npy.write_bytes(npy.read_bytes()[:-500])
    result = runner.invoke(app, ["mine", "--src", en, "--tgt", zh, "-o", str(tmp_path / "p.tsv"),
                                 "--src-embeddings", str(npy), "--model", str(tiny_model)])  # fmt: skip
    refused(result, str(npy), "not a complete .npy")


def test_an_unwritable_output_fails_before_the_model_loads(sentences, tmp_path) -> None:
    en, zh = map(str, sentences)
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a directory\n", encoding="utf-8")
    missing_model = str(tmp_path / "no-model")  # loading it would fail: the output check comes first
    for arguments in (
        ["mine", "--src", en, "--tgt", zh, "-o", str(blocker / "sub" / "p.tsv"), "--model", missing_model],
        ["embed", en, "/proc/align-test/out.npy", "--model", missing_model],
        ["index", zh, str(blocker / "idx"), "--model", missing_model],
    ):
        result = runner.invoke(app, arguments)
        refused(result)
        assert "cannot" in result.output and "could not load" not in result.output, result.output


def test_an_os_error_is_one_line_and_a_bug_names_its_traceback_file(tmp_path, monkeypatch) -> None:
    import align.neighbours

    def broken(*args, **kwargs):
        raise PermissionError(13, "Permission denied", "/data/secret.txt")

    monkeypatch.setattr(align.neighbours, "read_collection", broken)
    queries = tmp_path / "q.txt"
    queries.write_text("hi\n", encoding="utf-8")
    (tmp_path / "m").mkdir()  # a model directory, so that the model's name passes its check
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["neighbours", str(queries), str(queries), "--model", "m"])
    refused(result, "error: /data/secret.txt: Permission denied")

    def bug(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(align.neighbours, "read_collection", bug)
    result = runner.invoke(app, ["neighbours", str(queries), str(queries), "--model", "m"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "unexpected ZeroDivisionError: division by zero" in result.output
    written = Path(result.output.split("the full traceback is in ")[1].split(" ")[0])
    assert "ZeroDivisionError" in written.read_text(encoding="utf-8")
    written.unlink()
    result = runner.invoke(app, ["--debug", "neighbours", str(queries), str(queries), "--model", "m"])
    assert isinstance(result.exception, ZeroDivisionError)


def test_argument_errors_come_before_the_heavy_imports() -> None:
    script = (
        "import sys\n"
        "from align.cli import app\n"
        "try:\n"
        "    app(['mine', '--src', 'a', '--tgt', 'b', '-o', 'c', '-k', '0'])\n"
        "except SystemExit as stop:\n"
        "    print(stop.code, 'torch' in sys.modules, 'sentence_transformers' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO)
    assert result.stdout.split() == ["2", "False", "False"], result.stdout + result.stderr


def test_an_output_check_comes_before_the_heavy_imports(tmp_path) -> None:
    existing = tmp_path / "out.npy"
    existing.write_bytes(b"mine")
    text = tmp_path / "in.txt"
    text.write_text("hi\n", encoding="utf-8")
    script = (
        "import sys\n"
        "from align.cli import app\n"
        "try:\n"
        f"    app(['embed', {str(text)!r}, {str(existing)!r}, '--model', 'm'])\n"
        "except SystemExit as stop:\n"
        "    print(stop.code, 'torch' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO)
    assert result.stdout.split() == ["2", "False"], result.stdout + result.stderr
    assert "already exists; pass --force" in result.stderr
    assert existing.read_bytes() == b"mine"


def test_check_output_accepts_new_and_empty_places(tmp_path) -> None:
    assert (
        check_output(tmp_path / "new" / "deeper" / "out.tsv", force=False)
        == tmp_path / "new" / "deeper" / "out.tsv"
    )
    assert not (tmp_path / "new").exists()  # checking creates nothing
    (tmp_path / "empty").mkdir()
    check_output(tmp_path / "empty", force=False, directory=True)


# --- Help ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    ["train", "distill", "embed", "neighbours", "mine", "index", "search", "bench tatoeba", "bench bucc"],
)
def test_help_has_no_type_noise_or_double_negatives(command) -> None:
    result = runner.invoke(app, [*command.split(), "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    assert "<bool>" not in result.output and "--no-no-" not in result.output and "{" not in result.output


def test_help_names_arguments_and_long_options() -> None:
    result = runner.invoke(app, ["embed", "--help"], env={"COLUMNS": "120"})
    assert "embed [OPTIONS] INPUT OUTPUT" in result.output
    result = runner.invoke(app, ["mine", "--help"], env={"COLUMNS": "120"})
    assert "-k, --neighbours" in result.output
    result = runner.invoke(app, ["bench", "tatoeba", "--help"], env={"COLUMNS": "120"})
    assert "Hugging Face hub" in " ".join(result.output.split())
