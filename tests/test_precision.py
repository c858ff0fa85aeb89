"""Compact precisions: codes searched, candidates rescored with the full vectors."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from align.cli import app
from align.errors import AlignError
from align.index.precision import CompactIndex
from align.precision import binary_codes
from tests.conftest import COMPOSED

runner = CliRunner()


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def vectors() -> tuple[np.ndarray, np.ndarray]:
    """5,000 documents in 50 topics, and 100 queries near documents."""
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((50, 256))
    documents = _unit(centres[rng.integers(0, 50, 5000)] + 0.6 * rng.standard_normal((5000, 256)))
    queries = _unit(documents[rng.integers(0, 5000, 100)] + 0.3 * rng.standard_normal((100, 256)))
    return documents, queries


def _recall(found: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(a) & set(b)) / len(b) for a, b in zip(found, exact, strict=True)]))


@pytest.mark.parametrize("precision", ["float32", "float16", "int8", "binary"])
def test_compact_search_returns_exact_cosines_of_good_neighbours(precision: str, vectors) -> None:
    documents, queries = vectors
    exact = np.argsort(-(queries @ documents.T), axis=1)[:, :10]
    index = CompactIndex.build(documents, precision)
    scores, rows = index.search(queries, 10)
    assert rows.shape == scores.shape == (100, 10) and (rows >= 0).all()
    assert np.allclose(scores, np.einsum("qkd,qd->qk", documents[rows], queries), atol=1e-6)
    assert (np.diff(scores, axis=1) <= 1e-7).all()  # best first
    floor = {"float32": 1.0, "float16": 0.99, "int8": 0.99, "binary": 0.5}[precision]  # clustered data: hard
    assert _recall(rows, exact) >= floor
    assert (
        index.code_bytes == 5000 * 256 * {"float32": 4, "float16": 2, "int8": 1, "binary": 0.125}[precision]
    )


def test_more_candidates_find_more_of_the_true_neighbours(vectors) -> None:
    documents, queries = vectors
    exact = np.argsort(-(queries @ documents.T), axis=1)[:, :10]
    index = CompactIndex.build(documents, "binary")
    few = _recall(index.search(queries, 10, oversample=1)[1], exact)
    many = _recall(index.search(queries, 10, oversample=20)[1], exact)
    assert many > few + 0.3


def test_bad_settings_are_refused(vectors) -> None:
    documents, _ = vectors
    with pytest.raises(AlignError, match="unknown precision 'int4'"):
        CompactIndex.build(documents, "int4")
    with pytest.raises(AlignError, match="divisible by 8"):
        CompactIndex.build(documents[:, :60], "binary")
    assert binary_codes(np.array([[1, -1, 0, 2, -3, 4, 5, -6, 7]], dtype=np.float32)).tolist() == [
        [0b10010110, 0b10000000]
    ]


@pytest.mark.parametrize("precision", ["float16", "int8", "binary"])
def test_a_retriever_at_a_compact_precision_saves_loads_and_finds_the_same(
    precision: str, tiny_model, tmp_path
) -> None:
    from align.retriever import Retriever
    from tests.conftest import COMPOSED

    documents = [zh for _, zh in COMPOSED]
    queries = [en for en, _ in COMPOSED[:20]]
    full = Retriever(str(tiny_model))
    full.add(documents)
    compact = Retriever(str(tiny_model), precision=precision)
    compact.add(documents)
    expected = [[hit.id for hit in hits] for hits in full.search(queries, k=3)]
    found = compact.search(queries, k=3)
    assert [[hit.id for hit in hits] for hits in found] == expected  # 120 documents: every candidate rescored
    compact.save(tmp_path / "index")
    assert sorted(p.name for p in (tmp_path / "index").iterdir() if not p.name.startswith(".")) == [
        "compact.json", "documents.jsonl", "vectors.npy"
    ]  # fmt: skip
    loaded = Retriever.load(tmp_path / "index")
    assert loaded.precision == precision and loaded.search(queries, k=3) == found
    with pytest.raises(AlignError, match="a factory is for float32 indexes"):
        Retriever(str(tiny_model), precision=precision, factory="Flat")


def test_align_index_takes_a_precision(tiny_model, tmp_path) -> None:
    from typer.testing import CliRunner

    from align.cli import app
    from tests.conftest import COMPOSED

    documents = tmp_path / "docs.zh"
    documents.write_text("".join(f"{zh}\n" for _, zh in COMPOSED), encoding="utf-8")
    runner = CliRunner()
    built = runner.invoke(
        app,
        ["index", str(documents), str(tmp_path / "i"), "--model", str(tiny_model), "--precision", "binary"],
    )
    assert built.exit_code == 0, built.output
    found = runner.invoke(app, ["search", str(tmp_path / "i"), COMPOSED[7][0], "-k", "1"])
    assert found.exit_code == 0 and COMPOSED[7][1] in found.output
    bad = runner.invoke(
        app, ["index", str(documents), str(tmp_path / "j"), "--model", str(tiny_model), "--precision", "int4"]
    )
    assert bad.exit_code == 2 and "int4" in bad.output


def test_align_embed_writes_each_precision_and_mining_refuses_codes(tiny_model, tmp_path) -> None:
    from align.embedding import load_embedder

    lines = [text for pair in COMPOSED[:40] for text in pair]
    (tmp_path / "in.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    full = load_embedder(tiny_model)(lines)
    written = {}
    for precision in ("float32", "float16", "int8", "binary"):
        out = tmp_path / f"{precision}.npy"
        result = runner.invoke(
            app,
            [
                "embed",
                "--model",
                str(tiny_model),
                str(tmp_path / "in.txt"),
                str(out),
                "--precision",
                precision,
            ],
        )
        assert result.exit_code == 0, result.output
        written[precision] = np.load(out)
    assert np.abs(written["float32"] - full).max() <= 1e-6
    assert written["float16"].dtype == np.float16 and np.abs(written["float16"] - full).max() < 1e-3
    codes = written["int8"]
    assert codes.dtype == np.int8 and np.abs(codes / 127 - full).max() <= 0.5 / 127 + 1e-6
    cosines = full @ full.T
    assert np.abs(codes.astype(np.int32) @ codes.T.astype(np.int32) / 127**2 - cosines).max() < 0.02
    assert written["binary"].dtype == np.uint8 and written["binary"].shape == (len(lines), full.shape[1] // 8)
    assert np.array_equal(written["binary"], binary_codes(full))
    text, codes_file = str(tmp_path / "in.txt"), str(tmp_path / "int8.npy")
    mined = runner.invoke(
        app,
        ["mine", "--src", text, "--tgt", text, "-o", str(tmp_path / "m.tsv"),
         "--src-embeddings", codes_file, "--tgt-embeddings", codes_file],
    )  # fmt: skip
    assert (
        mined.exit_code == 2 and "holds int8 codes (align embed --precision int8 or binary)" in mined.output
    )
