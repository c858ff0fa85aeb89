"""Mining from text files: the TSV, calibration on gold pairs, blank and repeated lines, bad input."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from align.cli import app
from align.embedding import embed_file
from align.encode import load_encoder
from align.errors import AlignError, InputFormatError
from align.mining.files import mine_files
from align.sentences import read_collection
from tests.conftest import COMPOSED

runner = CliRunner()


@pytest.fixture
def comparable(tmp_path: Path) -> tuple[Path, Path, Path, set[tuple[str, str]]]:
    """English and Chinese files holding 40 translations in shuffled order, each side padded with 20
    sentences whose translation is absent, plus a blank line; and a gold file of line numbers."""
    rng = random.Random(5)
    pairs = COMPOSED[:40]
    english = [en for en, _ in pairs] + [en for en, _ in COMPOSED[40:60]]
    chinese = [zh for _, zh in pairs] + [zh for _, zh in COMPOSED[60:80]]
    rng.shuffle(english)
    rng.shuffle(chinese)
    chinese.insert(7, "   ")
    src, tgt, gold = tmp_path / "c.en", tmp_path / "c.zh", tmp_path / "gold.tsv"
    src.write_text("".join(f"{line}\n" for line in english), encoding="utf-8")
    tgt.write_text("".join(f"{line}\n" for line in chinese), encoding="utf-8")
    gold.write_text(
        "".join(f"{english.index(en) + 1}\t{chinese.index(zh) + 1}\n" for en, zh in pairs[:20]),
        encoding="utf-8",
    )
    return src, tgt, gold, set(pairs)


def test_mined_tsv_is_best_first_and_mostly_right(tiny_model: Path, comparable, tmp_path: Path) -> None:
    src, tgt, _, truth = comparable
    report = mine_files(
        load_encoder(str(tiny_model)), str(src), str(tgt), tmp_path / "out.tsv", line_numbers=True
    )
    rows = [line.split("\t") for line in (tmp_path / "out.tsv").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == report.written == 60  # max mode: each of the 60 English sentences once
    scores = [float(row[0]) for row in rows]
    assert scores == sorted(scores, reverse=True)
    top = rows[:30]
    assert np.mean([(row[1], row[2]) in truth for row in top]) > 0.6
    english_lines = src.read_text(encoding="utf-8").splitlines()
    assert all(english_lines[int(row[3]) - 1] == row[1] for row in rows)  # line numbers point at the text
    assert report.sizes == (60, 60)


def test_gold_pairs_calibrate_the_threshold(tiny_model: Path, comparable, tmp_path: Path) -> None:
    src, tgt, gold, _ = comparable
    report = mine_files(
        load_encoder(str(tiny_model)), str(src), str(tgt), tmp_path / "out.tsv", gold_path=str(gold)
    )
    assert report.calibration is not None and report.threshold == report.calibration.threshold
    assert report.written == report.calibration.mined
    assert report.written < 60


def test_embeddings_from_align_embed_give_the_same_pairs(
    tiny_model: Path, comparable, tmp_path: Path
) -> None:
    src, tgt, _, _ = comparable
    model = load_encoder(str(tiny_model))
    embed_file(model, src, tmp_path / "src.npy", show_progress_bar=False)
    embed_file(model, tgt, tmp_path / "tgt.npy", show_progress_bar=False)
    direct = mine_files(model, str(src), str(tgt), tmp_path / "a.tsv")
    reused = mine_files(
        None,
        str(src),
        str(tgt),
        tmp_path / "b.tsv",
        source_embeddings=str(tmp_path / "src.npy"),
        target_embeddings=str(tmp_path / "tgt.npy"),
    )
    assert (tmp_path / "a.tsv").read_text(encoding="utf-8") == (tmp_path / "b.tsv").read_text(
        encoding="utf-8"
    )
    assert len(direct.pairs) == len(reused.pairs)
    with pytest.raises(InputFormatError, match="needs one row per line"):
        mine_files(
            None,
            str(src),
            str(tgt),
            tmp_path / "c.tsv",
            source_embeddings=str(tmp_path / "tgt.npy"),
            target_embeddings=str(tmp_path / "tgt.npy"),
        )


def test_unify_encodes_repeated_lines_once(tmp_path: Path) -> None:
    path = tmp_path / "repeats.txt"
    path.write_text("Hello.\n\nHello.\nBye.\n", encoding="utf-8")
    collection = read_collection(path, unify=True)
    assert collection.texts == ["Hello.", "Bye."]
    assert collection.row_of_line == {1: 0, 3: 0, 4: 1}
    assert (collection.blank, collection.duplicates) == (1, 1)


def test_bad_inputs(tiny_model: Path, comparable, tmp_path: Path) -> None:
    src, tgt, _, _ = comparable
    model = load_encoder(str(tiny_model))
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(AlignError, match=r"empty\.txt: no sentences \(the file is empty or blank\)"):
        mine_files(model, str(empty), str(tgt), tmp_path / "o.tsv")
    bad_gold = tmp_path / "bad_gold.tsv"
    bad_gold.write_text("1\t2\nthree\tfour\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"bad_gold\.tsv:2: expected two line numbers"):
        mine_files(model, str(src), str(tgt), tmp_path / "o.tsv", gold_path=str(bad_gold))
    bad_gold.write_text("1\t8\n", encoding="utf-8")  # line 8 of the Chinese file is the blank one
    with pytest.raises(InputFormatError, match="blank or out of range"):
        mine_files(model, str(src), str(tgt), tmp_path / "o.tsv", gold_path=str(bad_gold))
    (tmp_path / "exists.tsv").write_text("mine\n", encoding="utf-8")
    with pytest.raises(AlignError, match="pass force=True"):
        mine_files(model, str(src), str(tgt), tmp_path / "exists.tsv")


def test_cli_mine_index_and_search(tiny_model: Path, comparable, tmp_path: Path) -> None:
    src, tgt, gold, _ = comparable
    result = runner.invoke(
        app,
        [
            "mine",
            "--model",
            str(tiny_model),
            "--src",
            str(src),
            "--tgt",
            str(tgt),
            "--output",
            str(tmp_path / "pairs.tsv"),
            "--gold",
            str(gold),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Calibrated on" in result.output and "Wrote" in result.output

    result = runner.invoke(app, ["index", str(tgt), str(tmp_path / "idx"), "--model", str(tiny_model)])
    assert result.exit_code == 0, result.output
    assert "Indexed 60 documents" in result.output  # the blank line is not a document
    result = runner.invoke(app, ["search", str(tmp_path / "idx"), COMPOSED[0][0], "-k", "2"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == COMPOSED[0][0] and len(lines) == 3


def test_cli_mine_bad_options(tiny_model: Path, comparable, tmp_path: Path) -> None:
    src, tgt, _, _ = comparable
    base = ["mine", "--src", str(src), "--tgt", str(tgt), "--output", str(tmp_path / "p.tsv")]
    cases = [
        (base, "pass a model, or embeddings for both sides (--src-embeddings, --tgt-embeddings)"),
        ([*base, "--model", str(tiny_model), "--mode", "union"], "is not one of"),
        ([*base, "--model", str(tmp_path / "nope")], "could not load the model"),
    ]
    for arguments, message in cases:
        result = runner.invoke(app, arguments)
        assert result.exit_code == 2 and message in result.output, result.output
    result = runner.invoke(app, ["search", str(tmp_path), "tea"])
    assert result.exit_code == 2 and "is not an align index" in result.output
