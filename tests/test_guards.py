"""The rules every command that reads text applies (over-long lines, carriage returns, blank input),
the model-name check, the thread setting, and the command line's plain help, JSON and Ctrl-C."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

import align.model_source
import align.threads
from align.cli import app
from align.errors import AlignError
from align.files import LineGuard
from align.mining.files import check_gold
from align.model_source import check_model_source
from align.sentences import read_collection
from tests.conftest import COMPOSED

runner = CliRunner()


def test_the_line_guard_skips_or_cuts_long_lines_and_reads_a_carriage_return_as_a_space() -> None:
    guard = LineGuard(max_chars=10)
    assert guard.sentence("  a\tb  ") == "a b"
    assert guard.sentence("a.\rb.") == "a. b."
    assert guard.sentence("x" * 11) is None
    assert guard.cut("y" * 25) == "y" * 10
    assert (guard.too_long, guard.carriage_returns) == (2, 1)
    too_long, carriage = guard.warnings("in.txt", cut=True)
    assert too_long.startswith("in.txt: 2 lines longer than 10 characters cut to their first 10")
    assert carriage.startswith("in.txt: 1 line with a carriage return (\\r) inside, read as a space")
    assert LineGuard().warnings("clean.txt") == []
    with pytest.raises(AlignError, match="max_chars must be at least 1"):
        LineGuard(0)


def test_a_collection_skips_lines_over_the_limit_and_keeps_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_bytes(b"one\n" + b"x" * 50 + b"\n" + b"two.\rthree.\n\nfour\n")
    collection = read_collection(path, max_chars=20)
    assert collection.texts == ["one", "two. three.", "four"]
    assert collection.line_numbers == [1, 3, 5]
    assert (collection.guard.too_long, collection.guard.carriage_returns, collection.blank) == (1, 1, 1)
    assert [w.split(":")[1].strip()[:1] for w in collection.warnings()] == ["1", "1"]
    (tmp_path / "long.txt").write_text("y" * 30 + "\n", encoding="utf-8")
    with pytest.raises(AlignError, match="or every line is longer than 20 characters"):
        read_collection(tmp_path / "long.txt", max_chars=20)


def _sentences(tmp_path: Path) -> tuple[Path, Path]:
    en, zh = tmp_path / "s.en", tmp_path / "s.zh"
    en.write_text("".join(f"{e}\n" for e, _ in COMPOSED[:40]), encoding="utf-8")
    zh_lines = [z for _, z in COMPOSED[:40]]
    zh_lines.insert(3, "很" * 50_000)  # a whole file on one line
    zh_lines[10] += "\r" + "你好。"
    zh.write_text("".join(f"{z}\n" for z in zh_lines), encoding="utf-8")
    return en, zh


def test_mine_skips_and_counts_an_over_long_line_and_a_carriage_return(
    tiny_model: Path, tmp_path: Path
) -> None:
    en, zh = _sentences(tmp_path)
    out = tmp_path / "mined.tsv"
    result = runner.invoke(
        app, ["mine", "--model", str(tiny_model), "--src", str(en), "--tgt", str(zh), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "(40 × 40 sentences)" in result.output
    assert "1 line longer than 10,000 characters skipped" in result.output
    assert "1 line with a carriage return" in result.output
    assert max(len(line) for line in out.read_text(encoding="utf-8").splitlines()) < 200


def test_embed_cuts_an_over_long_line_and_keeps_one_row_a_line(
    tiny_model: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _, zh = _sentences(tmp_path)
    out = tmp_path / "zh.npy"
    arguments = ["embed", "--model", str(tiny_model), str(zh), str(out), "--max-chars", "100"]
    with caplog.at_level(logging.WARNING):
        result = runner.invoke(app, arguments)
    assert result.exit_code == 0, result.output
    assert np.load(out).shape[0] == 41
    assert "1 line longer than 100 characters cut to their first 100" in caplog.text


def test_check_gold_names_a_gold_line_that_points_at_a_blank_line(tmp_path: Path) -> None:
    source, target, gold = tmp_path / "a", tmp_path / "b", tmp_path / "gold.tsv"
    source.write_text("one\n\nthree\n", encoding="utf-8")
    target.write_text("eins\nzwei\ndrei\n", encoding="utf-8")
    gold.write_text("1\t1\n3\t3\n", encoding="utf-8")
    check_gold(gold, str(source), str(target))
    gold.write_text("1\t1\n2\t2\n", encoding="utf-8")
    with pytest.raises(
        AlignError, match=r"gold.tsv:2: line 2 of .*a or line 2 of .*b is blank or out of range"
    ):
        check_gold(gold, str(source), str(target))


def test_a_model_name_is_checked_without_loading_anything(tmp_path: Path, monkeypatch) -> None:
    check_model_source(tmp_path)  # an existing directory passes
    (tmp_path / "weights.bin").write_bytes(b"")
    with pytest.raises(AlignError, match="is a file; give the directory"):
        check_model_source(tmp_path / "weights.bin")
    with pytest.raises(AlignError, match=f"there is no directory {tmp_path / 'gone'}"):
        check_model_source(tmp_path / "gone")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(align.model_source, "_in_hub_cache", lambda name: False)
    monkeypatch.setattr(
        align.model_source, "_hub_unreachable", lambda: "the hub (hub.test) cannot be reached"
    )
    with pytest.raises(AlignError, match=f"no directory {tmp_path / 'models' / 'en-zh'}, it is not in"):
        check_model_source("models/en-zh")
    monkeypatch.setattr(align.model_source, "_in_hub_cache", lambda name: True)
    check_model_source("intfloat/multilingual-e5-small")  # cached: passes


def test_threads_reach_the_environment_and_the_loaded_libraries(monkeypatch) -> None:
    import faiss
    import torch

    for name in (*align.threads.LIBRARY_ENVS, align.threads.THREADS_ENV):
        monkeypatch.delenv(name, raising=False)
    before = torch.get_num_threads()
    try:
        assert align.threads.set_threads(1) == 1
        assert all(os.environ[name] == "1" for name in align.threads.LIBRARY_ENVS)
        assert torch.get_num_threads() == 1 and faiss.omp_get_max_threads() == 1
        monkeypatch.setenv(align.threads.THREADS_ENV, "3")
        assert align.threads.set_threads() == 3
        monkeypatch.setattr(align.threads, "running_elsewhere", lambda: 99)
        assert align.threads.parse_threads("auto") == 1  # a full machine still leaves one thread
        monkeypatch.setattr(align.threads, "running_elsewhere", lambda: 0)
        assert align.threads.parse_threads("auto") == align.threads.available_cores()
        with pytest.raises(AlignError, match="a positive number or 'auto'"):
            align.threads.parse_threads("0")
    finally:
        torch.set_num_threads(before)
        faiss.omp_set_num_threads(before)
    assert align.threads.running_elsewhere() >= 0


def _all_commands() -> list[list[str]]:
    commands = [["--help"]]
    group = typer.main.get_command(app)
    for name, command in group.commands.items():
        commands.append([name, "--help"])
        commands += [[name, sub, "--help"] for sub in getattr(command, "commands", {})]
    return commands


@pytest.mark.parametrize("arguments", _all_commands(), ids=" ".join)
def test_help_shows_plain_placeholders(arguments: list[str]) -> None:
    result = runner.invoke(app, arguments, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for python_type in ("<int", "<float", "<str", "<list", "<file", "<dir", "<path", "[["):
        assert python_type not in result.output, (python_type, result.output)


def test_search_prints_json_for_a_script(tiny_model: Path, tmp_path: Path) -> None:
    documents = tmp_path / "docs.zh"
    documents.write_text("".join(f"{z}\n" for _, z in COMPOSED[:20]), encoding="utf-8")
    index = tmp_path / "idx"
    assert (
        runner.invoke(app, ["index", str(documents), str(index), "--model", str(tiny_model)]).exit_code == 0
    )
    result = runner.invoke(app, ["search", str(index), COMPOSED[4][0], "I like tea.", "-k", "2", "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert [entry["query"] for entry in found] == [COMPOSED[4][0], "I like tea."]
    assert all(len(entry["hits"]) == 2 for entry in found)
    assert set(found[0]["hits"][0]) <= {"id", "text", "score", "metadata", "lang"}  # lang: a store's
    assert {"id", "text", "score", "metadata"} <= set(found[0]["hits"][0])
    assert found[0]["hits"][0]["score"] >= found[0]["hits"][1]["score"]


def test_ctrl_c_says_in_one_line_that_it_stopped(tmp_path: Path, monkeypatch) -> None:
    import align.neighbours

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(align.neighbours, "file_neighbours", interrupted)
    queries = tmp_path / "q.txt"
    queries.write_text("hi\n", encoding="utf-8")
    result = runner.invoke(app, ["neighbours", str(queries), str(queries), "--model", str(tmp_path)])
    assert result.exit_code == 130
    assert result.output.startswith("stopped by Ctrl-C. No output was left half-written")


def test_filter_counts_pairs_with_a_carriage_return(tmp_path: Path) -> None:
    corpus = tmp_path / "mixed.en-zh.tsv"
    corpus.write_text("Good morning.\t早上好。\nI like tea.\r\t我喜欢茶。\n", encoding="utf-8")
    result = runner.invoke(
        app, ["filter", str(corpus), "-o", str(tmp_path / "kept.tsv"), "--no-score", "--lid", "none"]
    )
    assert result.exit_code == 0, result.output
    assert "mixed.en-zh.tsv: 1 line with a carriage return (\\r) inside, read as a space" in result.output


def test_mining_many_sentences_names_each_step(
    tiny_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import align.mining.files
    from align.mining.files import mine_files

    en, zh = _sentences(tmp_path)
    monkeypatch.setattr(align.mining.files, "PROGRESS_FROM", 10)  # as if the files were large
    mine_files(str(tiny_model), str(en), str(zh), tmp_path / "out.tsv")
    err = capsys.readouterr().err
    assert "Mining: 5/5 steps" in err
    for step in ("embedding 40 source sentences", "k-NN search target→source", "margin scoring (ratio, max)"):
        assert step in err


def test_mining_in_one_call_refuses_what_shards_cannot_do_in_python_words(
    tiny_model: Path, tmp_path: Path
) -> None:
    from align.mining import mine_text_files
    from align.mining.sharded.config import ShardingConfig

    en, zh = _sentences(tmp_path)
    shards = ShardingConfig(shard_size=10)
    with pytest.raises(AlignError, match=r"^unify=True needs both files in memory"):
        mine_text_files(str(tiny_model), en, zh, tmp_path / "a.tsv", sharding=shards, unify=True)
    with pytest.raises(AlignError, match="not source_embeddings or target_embeddings"):
        mine_text_files(str(tiny_model), en, zh, tmp_path / "a.tsv", sharding=shards, source_embeddings=en)
    memory = mine_text_files(str(tiny_model), en, zh, tmp_path / "memory.tsv")
    sharded = mine_text_files(str(tiny_model), en, zh, tmp_path / "shards.tsv", sharding=shards)
    assert memory.sizes == sharded.sizes == (40, 40) and memory.written > 0 and sharded.written > 0
