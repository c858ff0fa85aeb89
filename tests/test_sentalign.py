"""Sentence alignment: the link format, the strict/lax scores, and the dynamic programme."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from align.cli import app
from align.errors import AlignError, InputFormatError
from align.sentalign.dynamic import align_runs, link_types, with_norms
from align.sentalign.evaluation import score_alignment
from align.sentalign.links import Link, format_links, read_links
from tests.conftest import COMPOSED


def test_links_round_trip_through_vecalign_format(tmp_path: Path) -> None:
    links = [Link((0,), (0, 1), 0.91), Link((1, 2), (2,)), Link((), (3,)), Link((3,), ())]
    path = tmp_path / "links.txt"
    path.write_text(format_links(links), encoding="utf-8")
    assert path.read_text(encoding="utf-8").splitlines()[:2] == ["[0]:[0, 1]:0.910000", "[1, 2]:[2]"]
    assert read_links(path) == links
    path.write_text("[0]:[0]\n[1]:[x]\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"links.txt:2: not a list of sentence indices"):
        read_links(path)


def test_strict_and_lax_scores() -> None:
    gold = [Link((0,), (0,)), Link((1, 2), (1,)), Link((3,), (2, 3)), Link((4,), ())]
    perfect = score_alignment(gold, gold)
    assert perfect.strict_f1 == perfect.lax_f1 == 100.0
    test = [
        Link((0,), (0,)),
        Link((1,), (1,)),
        Link((2,), ()),
        Link((3,), (2,)),
        Link((), (3,)),
        Link((4,), ()),
    ]
    scores = score_alignment(gold, test)
    # Vecalign's score.py: precision over all six test links, the deletion of sentence 4 a hit (the
    # gold leaves it out too), the other one-sided links misses; recall over the three gold pairs.
    assert scores.strict_precision == pytest.approx(100 * 2 / 6)
    assert scores.strict_recall == pytest.approx(100 / 3)
    assert scores.lax_precision == pytest.approx(100 * 4 / 6)  # (1)-(1) and (3)-(2) overlap gold links
    assert scores.lax_recall == 100.0


def _runs(vectors: list[np.ndarray], max_run: int) -> list[np.ndarray]:
    out = []
    for size in range(1, max_run + 1):
        rows = [np.sum(vectors[i : i + size], axis=0) for i in range(len(vectors) - size + 1)]
        out.append(np.array([row / np.linalg.norm(row) for row in rows], dtype=np.float32))
    return out


def test_the_programme_finds_merges_and_deletions() -> None:
    rng = np.random.default_rng(0)
    meaning = [v / np.linalg.norm(v) for v in rng.normal(size=(9, 64))]
    merged = (meaning[1] + meaning[2]) / np.linalg.norm(meaning[1] + meaning[2])
    source = [meaning[0], merged, meaning[3], meaning[7], meaning[5], meaning[6]]  # meaning 7: no partner
    target = [meaning[0], meaning[1], meaning[2], meaning[3], meaning[5], meaning[8], meaning[6]]  # 8: none
    source_runs, target_runs = with_norms(_runs(source, 3), _runs(target, 3), samples=5)
    links = align_runs(source_runs, target_runs, link_types(3, 4), 0.4)
    assert [(link.source, link.target) for link in links] == [
        ((0,), (0,)),
        ((1,), (1, 2)),
        ((2,), (3,)),
        ((3,), ()),
        ((4,), (4,)),
        ((), (5,)),
        ((5,), (6,)),
    ]
    banded = np.array([[max(0, i - 2), min(7, i + 2)] for i in range(7)])
    assert align_runs(source_runs, target_runs, link_types(3, 4), 0.4, band=banded) == links


def _covers_in_order(links: list[Link], n: int, m: int) -> bool:
    sources = [i for link in links for i in link.source]
    targets = [j for link in links for j in link.target]
    return sources == list(range(n)) and targets == list(range(m))


def test_align_files_writes_every_sentence_once_in_order(tiny_model: Path, tmp_path: Path) -> None:
    from align.encode import load_encoder
    from align.sentalign.documents import align_files

    english = [en for en, _ in COMPOSED[:12]]
    chinese = [zh for _, zh in COMPOSED[:12]]
    chinese[3:5] = [chinese[3] + chinese[4]]  # one target line translates two source lines
    (tmp_path / "doc.en").write_text("\n".join(english) + "\n", encoding="utf-8")
    (tmp_path / "doc.zh").write_text("\n".join(chinese) + "\n", encoding="utf-8")
    model = load_encoder(tiny_model)
    done = align_files(model, tmp_path / "doc.en", tmp_path / "doc.zh", tmp_path / "doc.align")
    links = read_links(tmp_path / "doc.align")
    assert [(k.source, k.target) for k in links] == [(k.source, k.target) for k in done.links]
    assert _covers_in_order(links, 12, 11)
    assert all(link.score is not None for link in links if link.source and link.target)
    assert "links for 12 × 11 sentences" in done.summary()
    align_files(model, tmp_path / "doc.en", tmp_path / "doc.zh", tmp_path / "doc.tsv", format="tsv")
    rows = [line.split("\t") for line in (tmp_path / "doc.tsv").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(links) and all(len(row) == 3 for row in rows)


def test_bad_documents_get_clear_messages_and_no_output(tiny_model: Path, tmp_path: Path) -> None:
    from align.encode import load_encoder
    from align.sentalign.documents import align_files

    model = load_encoder(tiny_model)
    (tmp_path / "empty.zh").write_text("\n\n", encoding="utf-8")
    (tmp_path / "one.en").write_text("I like tea.\n", encoding="utf-8")
    with pytest.raises(AlignError, match=r"empty\.zh: no sentences"):
        align_files(model, tmp_path / "one.en", tmp_path / "empty.zh", tmp_path / "out.align")
    assert not (tmp_path / "out.align").exists()
    (tmp_path / "long.zh").write_text("".join(f"{zh}\n" for _, zh in COMPOSED[:10]), encoding="utf-8")
    done = align_files(model, tmp_path / "one.en", tmp_path / "long.zh", tmp_path / "out.align")
    assert len(done.warnings) == 1 and "rarely translations" in done.warnings[0]
    assert _covers_in_order(done.links, 1, 10)
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "sentalign",
            "--model",
            str(tiny_model),
            "--src",
            str(tmp_path),
            "--tgt",
            str(tmp_path / "one.en"),
            "-o",
            "x",
        ],
    )
    assert result.exit_code == 2 and "both be files or both be directories" in result.output


def test_cli_aligns_directories_by_file_name(tiny_model: Path, tmp_path: Path) -> None:
    for side, column in (("en", 0), ("zh", 1)):
        (tmp_path / side).mkdir()
        for name, rows in (("a.txt", COMPOSED[:5]), ("b.txt", COMPOSED[5:9])):
            (tmp_path / side / name).write_text(
                "".join(f"{pair[column]}\n" for pair in rows), encoding="utf-8"
            )
    (tmp_path / "en" / "only-here.txt").write_text("Hello.\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "sentalign",
            "--model",
            str(tiny_model),
            "--src",
            str(tmp_path / "en"),
            "--tgt",
            str(tmp_path / "zh"),
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in out.iterdir()) == ["a.txt", "b.txt"]
    assert _covers_in_order(read_links(out / "b.txt"), 4, 4)


def test_long_documents_are_searched_coarse_to_fine_with_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from align.sentalign import search

    monkeypatch.setattr(search, "FULL_TABLE_UP_TO", 50_000)  # these 588 × 592 sentences go coarse first
    rng = np.random.default_rng(1)
    meaning = [v / np.linalg.norm(v) for v in rng.normal(size=(700, 48))]
    source = [meaning[i] for i in range(600) if i % 50 != 7]  # a few sentences only one side has
    target = [meaning[i] for i in range(600) if i % 70 != 3] + [meaning[650]]
    source_runs, target_runs = with_norms(_runs(source, 2), _runs(target, 2), samples=16)
    types = link_types(2, 3)
    band = search.search_band(np.array(source), np.array(target), deletion=0.4, width=10, samples=16)
    assert len(band) == len(source) + 1 and (band[:, 1] - band[:, 0]).max() < 80  # not the full table
    banded = align_runs(source_runs, target_runs, types, 0.4, band)
    assert banded == align_runs(source_runs, target_runs, types, 0.4)


def test_split_documents_are_aligned_in_tsv_and_named_languages(tiny_model: Path, tmp_path: Path) -> None:
    pytest.importorskip("sentencex", reason="sentence splitting needs align[split]")
    from align.sentalign.documents import split_language

    english = " ".join(en for en, _ in COMPOSED[:6])  # one paragraph, six sentences
    chinese = "".join(zh for _, zh in COMPOSED[:6])  # no spaces: cut at 。
    (tmp_path / "page.en").write_text(english + "\n", encoding="utf-8")
    (tmp_path / "page.txt").write_text(chinese + "\n", encoding="utf-8")
    assert split_language(tmp_path / "page.en", None, "--src-lang") == "en"
    with pytest.raises(AlignError, match=r"cannot tell the language of .*page\.txt.*--tgt-lang"):
        split_language(tmp_path / "page.txt", None, "--tgt-lang")
    command = ["sentalign", "--model", str(tiny_model), "--src", str(tmp_path / "page.en")]
    command += ["--tgt", str(tmp_path / "page.txt"), "--split", "--tgt-lang", "zh"]
    refused = CliRunner().invoke(app, [*command, "-o", str(tmp_path / "page.align")])
    assert refused.exit_code == 2 and "use --format tsv" in refused.output
    assert not (tmp_path / "page.align").exists()
    result = CliRunner().invoke(app, [*command, "-o", str(tmp_path / "page.tsv"), "--format", "tsv"])
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in (tmp_path / "page.tsv").read_text(encoding="utf-8").splitlines()]
    assert [row[1:] for row in rows] == [[en, zh] for en, zh in COMPOSED[:6]]
