"""BUCC layout: building a split, reading it back, malformed files, and the bench commands."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from align.bench.bucc import BuccSplit, BuccTask, evaluate_bucc, mine_split, read_bucc_split, write_bucc_split
from align.bench.runner import bench_embedder
from align.cli import app
from align.encode import load_encoder
from align.errors import InputFormatError
from align.mining import MiningConfig, mine
from tests.conftest import COMPOSED, write_moses

runner = CliRunner()


def test_written_split_reads_back_with_its_gold(tmp_path: Path) -> None:
    pairs = COMPOSED[:10]
    write_bucc_split(tmp_path, "en-zh", "training", pairs, ["Extra one.", "Extra two."], ["多余的。"], seed=1)
    split = read_bucc_split(tmp_path, "en-zh", "training")
    assert len(split.source_texts) == 12 and len(split.target_texts) == 11
    recovered = {(split.source_texts[s], split.target_texts[t]) for s, t in split.gold}
    assert recovered == set(pairs)
    first_line = (tmp_path / "en-zh.training.en").read_text(encoding="utf-8").splitlines()[0]
    assert first_line.startswith("en-000000001\t")


def test_malformed_files_are_named(tmp_path: Path) -> None:
    write_bucc_split(tmp_path, "de-en", "test", [("Hallo.", "Hello.")], [], [])
    (tmp_path / "de-en.test.de").write_text("de-1\tHallo.\nno tab here\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"de-en\.test\.de:2: expected ID<TAB>sentence"):
        read_bucc_split(tmp_path, "de-en", "test")
    (tmp_path / "de-en.test.de").write_text("de-1\tHallo.\nde-1\tNochmal.\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match="appears twice"):
        read_bucc_split(tmp_path, "de-en", "test")
    (tmp_path / "de-en.test.de").write_text("de-1\tHallo.\n", encoding="utf-8")
    (tmp_path / "de-en.test.gold").write_text("de-9\ten-000000001\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"de-en\.test\.gold:1: unknown ID"):
        read_bucc_split(tmp_path, "de-en", "test")


def test_threshold_from_one_split_applied_to_another(
    tiny_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_bucc_split(
        tmp_path,
        "en-zh",
        "training",
        COMPOSED[:30],
        [en for en, _ in COMPOSED[90:100]],
        [zh for _, zh in COMPOSED[100:110]],
        seed=1,
    )
    write_bucc_split(
        tmp_path,
        "en-zh",
        "test",
        COMPOSED[30:60],
        [en for en, _ in COMPOSED[60:70]],
        [zh for _, zh in COMPOSED[70:80]],
        seed=2,
    )
    model = load_encoder(str(tiny_model))
    result = evaluate_bucc(
        bench_embedder(model, "model"),
        read_bucc_split(tmp_path, "en-zh", "training"),
        read_bucc_split(tmp_path, "en-zh", "test"),
    )
    assert 0 < result.f1 <= result.oracle_f1 <= 100
    # The task is an evaluator too: model in, a dict with its main score out.
    capsys.readouterr()
    scores = BuccTask(tmp_path, "en-zh", mining=MiningConfig(factory="Flat"))(model)
    err = capsys.readouterr().err  # a bar over each split's steps, named by the task's split names
    assert "BUCC en-zh training: 5/5 steps" in err and "BUCC en-zh test: 5/5 steps" in err
    assert scores["main_score"] == scores["result"]["f1"] == pytest.approx(result.f1)


def test_cli_build_then_bench_two_models(tiny_model: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere" / tiny_model.parent.name / tiny_model.name  # the same last two path parts
    shutil.copytree(tiny_model, other)
    corpus = write_moses(tmp_path / "corpus", COMPOSED[:40])
    (tmp_path / "extra.en").write_text("".join(f"{en}\n" for en, _ in COMPOSED[60:80]), encoding="utf-8")
    (tmp_path / "extra.zh").write_text("".join(f"{zh}\n" for _, zh in COMPOSED[80:100]), encoding="utf-8")
    for split, seed in (("training", "1"), ("test", "2")):
        result = runner.invoke(
            app,
            [
                "bench",
                "build-bucc",
                "--parallel",
                str(corpus),
                "--unpaired-src",
                str(tmp_path / "extra.en"),
                "--unpaired-tgt",
                str(tmp_path / "extra.zh"),
                "--pair",
                "en-zh",
                "--split",
                split,
                "--seed",
                seed,
                "-o",
                str(tmp_path / "bucc"),
            ],
        )
        assert result.exit_code == 0, result.output
        assert "40 gold pairs" in result.output
    result = runner.invoke(
        app,
        [
            "bench",
            "bucc",
            "--model",
            str(tiny_model),
            "--model",
            str(other),
            "--data",
            str(tmp_path / "bucc"),
            "--pair",
            "en-zh",
            "-o",
            str(tmp_path / "bucc.json"),
            "--plot",
            str(tmp_path / "pr.png"),
            "-k",
            "3",
            "--nprobe",
            "4",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "pr.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = json.loads((tmp_path / "bucc.json").read_text(encoding="utf-8"))
    assert [entry["model"] for entry in report["models"]] == [str(tiny_model), str(other)]  # labels collide
    assert report["settings"]["k"] == 3 and report["settings"]["nprobe"] == 4
    assert report["task"] == "bucc" and set(report["models"][0]["result"]) == {
        "threshold",
        "precision",
        "recall",
        "f1",
        "oracle_threshold",
        "oracle_f1",
    }
    missing = runner.invoke(
        app,
        ["bench", "bucc", "--model", str(tiny_model), "--data", str(tmp_path / "bucc"), "--pair", "de-en"],
    )
    assert missing.exit_code == 2 and "de-en.training.de: no such file" in missing.output


@pytest.mark.parametrize(
    "config",
    [
        MiningConfig(),
        MiningConfig(k=2, margin="distance", mode="intersect", reverse_neighbours=False),
        MiningConfig(k=3, margin="absolute", mode="forward", factory="Flat"),
        MiningConfig(mode="backward", threshold=1.0),
    ],
)
def test_mining_step_by_step_gives_what_mine_gives(
    config: MiningConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = np.random.default_rng(0)
    vectors = {}
    for text in [f"s{i}" for i in range(300)] + [f"t{i}" for i in range(250)]:
        row = rng.standard_normal(16).astype(np.float32)
        vectors[text] = row / np.linalg.norm(row)
    split = BuccSplit([], [f"s{i}" for i in range(300)], [], [f"t{i}" for i in range(250)], set())
    source, target = (
        np.stack([vectors[t] for t in texts]) for texts in (split.source_texts, split.target_texts)
    )
    expected = mine(source, target, config)
    pairs = mine_split(
        lambda texts: np.stack([vectors[t] for t in texts]), split, config, ("de", "en"), "BUCC x"
    )
    for name in ("source_ids", "target_ids", "scores"):
        assert np.array_equal(getattr(pairs, name), getattr(expected, name))
    err = capsys.readouterr().err
    assert "BUCC x: 5/5 steps" in err
    steps = ("encoding 300 de sentences", "encoding 250 en", "k-NN search source→target", "margin scoring")
    for step in steps:
        assert step in err
