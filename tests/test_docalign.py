"""Document pairing: document vectors (mean and order-aware), reading collections, pairing, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from align.cli import app
from align.docalign import DocalignConfig, Document, pair_documents, read_documents
from align.docalign.embedding import document_embeddings, pert_windows, rarity_weights
from align.errors import AlignError, InputFormatError
from tests.conftest import COMPOSED


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def test_pert_vectors_tell_order_apart_and_mean_vectors_do_not() -> None:
    sentences = _unit(np.random.default_rng(0).normal(size=(6, 16)))
    texts = [[f"s{i}" for i in range(6)], [f"s{i}" for i in reversed(range(6))]]
    embeddings = [sentences, sentences[::-1]]
    mean = document_embeddings(embeddings, texts, DocalignConfig(embedding="mean"))
    pert = document_embeddings(embeddings, texts, DocalignConfig(windows=4))
    assert mean.shape == (2, 16) and pert.shape == (2, 64)
    assert np.allclose(np.linalg.norm(pert, axis=1), 1.0, atol=1e-5)
    assert mean[0] @ mean[1] == pytest.approx(1.0, abs=1e-5)  # same sentences, any order
    assert pert[0] @ pert[1] < 0.9  # the beginning of one is compared with the beginning of the other
    same = document_embeddings([sentences, sentences], texts[:1] * 2, DocalignConfig())
    assert same[0] @ same[1] == pytest.approx(1.0, abs=1e-5)


def test_pert_windows_peak_in_order_over_the_document() -> None:
    positions = (np.arange(10) + 0.5) / 10
    windows = pert_windows(positions, 4, 20.0)
    assert windows.shape == (10, 4) and windows.max() == pytest.approx(1.0)
    assert list(windows.argmax(axis=0)) == sorted(windows.argmax(axis=0))  # window j peaks after j - 1
    assert np.allclose(pert_windows(positions, 3, 0.0), 1.0)  # peakedness 0: flat windows


def test_a_line_every_document_repeats_weighs_little() -> None:
    documents = [["Home | About | Contact", f"Story {i}.", f"More of story {i}."] for i in range(20)]
    weights = rarity_weights(documents)
    assert weights[0][0] == pytest.approx(np.log(2))  # in all 20 documents
    assert weights[0][1] == pytest.approx(np.log(21))  # in one
    assert rarity_weights([["home | ABOUT |  contact"], ["Home | About | Contact"]])[0][0] == pytest.approx(
        np.log(2)
    )  # case and spacing aside


class MeaningEmbedder:
    """Texts → vectors: each "meaning" a random direction, its English and Chinese forms close."""

    def __init__(self, pairs: list[tuple[str, str]], dim: int = 32) -> None:
        rng = np.random.default_rng(1)
        meanings = _unit(rng.normal(size=(len(pairs), dim)))
        self.vectors: dict[str, np.ndarray] = {}
        for row, (english, chinese) in enumerate(pairs):
            for text in (english, chinese):
                self.vectors[text] = _unit(meanings[row] + 0.3 * _unit(rng.normal(size=dim)))

    def __call__(self, texts: list[str]) -> np.ndarray:
        return np.vstack([self.vectors[text] for text in texts]).astype(np.float32)


def _documents(side: int, groups: list[list[int]], prefix: str) -> list[Document]:
    return [Document(f"{prefix}{n}", tuple(COMPOSED[i][side] for i in rows)) for n, rows in enumerate(groups)]


def test_pairs_are_found_among_distractors_each_document_once() -> None:
    embed = MeaningEmbedder(COMPOSED)
    groups = [list(range(start, start + 5)) for start in range(0, 100, 5)]  # 20 documents of 5 sentences
    sources = _documents(0, groups[:15], "en")  # en0..en14 translate zh0..zh14
    targets = _documents(1, groups[:15], "zh") + _documents(1, groups[15:], "zh-alone")
    targets = targets[::-1]  # the collection's order gives nothing away
    for config in (DocalignConfig(), DocalignConfig(embedding="mean")):
        pairs = pair_documents(embed, sources, targets, config)
        assert sorted((p.source, p.target) for p in pairs) == sorted((f"en{n}", f"zh{n}") for n in range(15))
        assert [p.score for p in pairs] == sorted((p.score for p in pairs), reverse=True)


def test_collections_are_read_from_directories_and_jsonl_with_clear_errors(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("First line.\n\n  Second   line.\n", encoding="utf-8")
    (folder / "sub" / "b.txt").write_text("Another.\n", encoding="utf-8")
    (folder / "empty.txt").write_text("\n", encoding="utf-8")
    documents = read_documents(folder)
    assert [(d.id, d.sentences) for d in documents] == [
        ("a.txt", ("First line.", "Second line.")),
        ("sub/b.txt", ("Another.",)),
    ]  # the empty document is left out
    jsonl = tmp_path / "docs.jsonl"
    jsonl.write_text('{"id": 7, "text": "One.\\nTwo."}\n\n{"id": "x", "text": "Three."}\n', encoding="utf-8")
    assert [(d.id, d.sentences) for d in read_documents(jsonl)] == [
        ("7", ("One.", "Two.")),
        ("x", ("Three.",)),
    ]
    for body, message in (
        ('{"id": 1, "text": "a"}\n{"id": 1, "text": "b"}\n', r"docs.jsonl:2: document id '1' appears twice"),
        ('{"id": 1, "text": "a"}\n{"id": 2\n', r"docs.jsonl:2: not JSON"),
        ('{"id": 1}\n', r"docs.jsonl:1: expected an object"),
    ):
        jsonl.write_text(body, encoding="utf-8")
        with pytest.raises(InputFormatError, match=message):
            read_documents(jsonl)
    jsonl.write_text('{"id": 1, "text": "  "}\n', encoding="utf-8")
    with pytest.raises(AlignError, match="no documents with any text"):
        read_documents(jsonl)


def test_cli_pairs_documents_and_aligns_their_sentences(tiny_model: Path, tmp_path: Path) -> None:
    groups = {"tea": range(0, 6), "books": range(30, 36), "cats": range(60, 66), "flowers": range(90, 96)}
    for side, column in (("en", 0), ("zh", 1)):
        (tmp_path / side).mkdir()
        for name, rows in groups.items():
            (tmp_path / side / f"{name}.txt").write_text(
                "".join(f"{COMPOSED[i][column]}\n" for i in rows), encoding="utf-8"
            )
    records = [
        {"id": f"zh-{name}", "text": "\n".join(COMPOSED[i][1] for i in rows)} for name, rows in groups.items()
    ]
    (tmp_path / "zh.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8"
    )
    output, aligned = tmp_path / "pairs.tsv", tmp_path / "aligned"
    command = ["docalign", "--model", str(tiny_model), "--src", str(tmp_path / "en"), "-o", str(output)]
    result = CliRunner().invoke(
        app, [*command, "--tgt", str(tmp_path / "zh.jsonl"), "--sentalign", str(aligned)]
    )
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in output.read_text(encoding="utf-8").splitlines()]
    assert sorted((source, target) for _, source, target in rows) == sorted(
        (f"{name}.txt", f"zh-{name}") for name in groups
    )
    assert sorted(path.name for path in aligned.iterdir()) == sorted(f"{name}.txt.tsv" for name in groups)
    links = (aligned / "tea.txt.tsv").read_text(encoding="utf-8").splitlines()
    assert len(links) == 6 and links[0].split("\t")[1:] == [COMPOSED[0][0], COMPOSED[0][1]]
    again = CliRunner().invoke(app, [*command, "--tgt", str(tmp_path / "zh")])
    assert again.exit_code == 2 and "exists" in again.output  # no overwrite without --force
    forced = CliRunner().invoke(
        app, [*command, "--tgt", str(tmp_path / "zh"), "--force", "--embedding", "mean"]
    )
    assert forced.exit_code == 0, forced.output


def test_cli_splits_paragraphs_when_asked(tiny_model: Path, tmp_path: Path) -> None:
    pytest.importorskip("sentencex", reason="sentence splitting needs align[split]")
    groups = {"a": range(0, 5), "b": range(40, 45), "c": range(80, 85)}
    for side, column, join in (("en", 0, " "), ("zh", 1, "")):
        records = [
            {"id": name, "text": join.join(COMPOSED[i][column] for i in rows)}
            for name, rows in groups.items()
        ]
        (tmp_path / f"{side}.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
        )
    assert [len(d.sentences) for d in read_documents(tmp_path / "zh.jsonl", "zh")] == [5, 5, 5]
    command = ["docalign", "--model", str(tiny_model), "--src", str(tmp_path / "en.jsonl")]
    command += ["--tgt", str(tmp_path / "zh.jsonl"), "-o", str(tmp_path / "pairs.tsv"), "--split"]
    refused = CliRunner().invoke(app, command)
    assert refused.exit_code == 2 and "pass --src-lang and --tgt-lang" in refused.output
    aligned = tmp_path / "aligned"
    result = CliRunner().invoke(
        app, [*command, "--src-lang", "en", "--tgt-lang", "zho_Hans", "--sentalign", str(aligned)]
    )
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in (tmp_path / "pairs.tsv").read_text(encoding="utf-8").splitlines()]
    assert sorted((source, target) for _, source, target in rows) == [("a", "a"), ("b", "b"), ("c", "c")]
    assert len((aligned / "a.tsv").read_text(encoding="utf-8").splitlines()) == 5
