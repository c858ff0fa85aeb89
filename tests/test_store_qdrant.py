"""The store's API over a Qdrant collection (Qdrant's local mode, in-process): lexical and hybrid
search, and a store made by align index copied into Qdrant, searching the same. The calls both
stores share are tested against the same brute-force reference in tests/test_store.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from align.errors import AlignError
from align.store import Store
from tests.test_store import HashEmbedder

pytest.importorskip("qdrant_client")

from align.store.qdrant import QdrantStore, copy_to_qdrant, sparse_terms, to_filter

DOCUMENTS = {
    "station": "火车站在哪里？",
    "headache": "我头疼。",
    "ticket": "Where can I buy a ticket for the XJ-900 train?",
    "bahnhof": "Wo ist der Bahnhof?",
    "weather": "The weather is nice today.",
}


def test_lexical_search_finds_words_and_unspaced_scripts_and_hybrid_fuses_both(tmp_path: Path) -> None:
    store = QdrantStore(tmp_path / "q", "faq", HashEmbedder(), lid=None)
    store.upsert(list(DOCUMENTS), list(DOCUMENTS.values()), langs=["zh", "zh", "en", "de", "en"])
    assert store.search("xj-900", k=1, mode="lexical")[0].id == "ticket"  # a product code, any case
    assert store.search("车站", k=1, mode="lexical")[0].id == "station"  # bigrams of unspaced text
    assert store.search("???", k=3, mode="lexical") == []  # no terms, no lexical hits
    dense = [hit.id for hit in store.search("车站", k=5)]
    hybrid = store.search("车站", k=5, mode="hybrid")
    assert {hit.id for hit in hybrid} == set(dense)  # every document is in the dense ranking
    assert hybrid[0].id in {"station", dense[0]}
    faint = store.search("车站", k=5, mode="hybrid", lexical_weight=1e-6)  # the words barely count
    assert [hit.id for hit in faint] == dense
    assert [hit.id for hit in store.search("ticket", k=5, mode="hybrid", where={"lang": "de"})] == ["bahnhof"]
    with pytest.raises(AlignError, match="nprobe is for a compact align store"):
        store.search("x", nprobe=8)
    store.close()


class RecordingClient:
    """A Qdrant client that remembers the options a collection was created with."""

    def __init__(self, client) -> None:
        self.client, self.created = client, {}

    def __getattr__(self, name: str):
        return getattr(self.client, name)

    def create_collection(self, name: str, **options):
        self.created = options
        return self.client.create_collection(name, **options)


def test_a_new_collection_takes_the_options_a_cluster_needs() -> None:
    from qdrant_client import QdrantClient

    client = RecordingClient(QdrantClient(location=":memory:"))
    options = {"shard_number": 6, "replication_factor": 2}
    store = QdrantStore("cluster", "faq", HashEmbedder(), lid=None, client=client, collection_options=options)
    assert {key: client.created[key] for key in options} == options
    assert "dense" in client.created["vectors_config"] and client.created["metadata"]["dimension"] == 16
    store.upsert(["a"], ["hello"])
    assert store.get("a").text == "hello"


def test_filters_refuse_what_qdrant_cannot_compare() -> None:
    with pytest.raises(AlignError, match="ranges of numbers only"):
        to_filter({"date": {"$gte": "2024-01-01"}})
    with pytest.raises(AlignError, match="strings or integers"):
        to_filter({"score": {"$in": [0.5, 1.5]}})
    with pytest.raises(AlignError, match="unknown operator"):
        to_filter({"tag": {"$like": "a%"}})
    assert to_filter(None) is None
    indices, weights = sparse_terms("the the the cat")
    assert len(indices) == 2 and max(weights) == pytest.approx(3 * 2.2 / 4.2)  # BM25's saturation


def test_a_store_copied_into_qdrant_searches_the_same(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    source = Store(tmp_path / "store", HashEmbedder(), lid=None)
    ids = [f"d{n}" for n in range(300)]
    metadata = [{"year": int(rng.integers(2018, 2027)), "tag": str(rng.choice(["a", "b"]))} for _ in ids]
    source.upsert(
        ids, [f"text {n}" for n in range(300)], metadata, [str(rng.choice(["en", "zh"])) for _ in ids]
    )
    source.delete(ids[:10])
    source.close()
    said = copy_to_qdrant(tmp_path / "store", tmp_path / "qdrant", "copy")
    assert "Copied 290 documents" in said and "(290 there)" in said
    with pytest.raises(AlignError, match="already exists; pass --force"):
        copy_to_qdrant(tmp_path / "store", tmp_path / "qdrant", "copy")
    copy_to_qdrant(tmp_path / "store", tmp_path / "qdrant", "copy", force=True)
    with pytest.raises(AlignError, match="is not a store made by align index"):
        copy_to_qdrant(tmp_path, tmp_path / "qdrant", "other")
    source = Store(tmp_path / "store", readonly=True)
    copy = QdrantStore(tmp_path / "qdrant", "copy", readonly=True)
    assert len(copy) == 290 and copy.get("d42") == source.get("d42") and copy.get("d3") is None
    assert copy.setting("model") == "hash-embedder" and copy.lid is None
    queries = HashEmbedder()(["one", "two", "three"])
    for where in (None, {"tag": "a", "year": {"$gte": 2022}}, {"lang": {"$nin": ["zh"]}}):
        expected = source.search(vector=queries, k=10, where=where)
        found = copy.search(vector=queries, k=10, where=where)
        for mine, theirs in zip(expected, found, strict=True):
            assert [hit.id for hit in theirs] == [hit.id for hit in mine]
            assert np.allclose([hit.score for hit in theirs], [hit.score for hit in mine], atol=1e-5)
    copy.close()


def test_the_command_line_copies_a_store_into_qdrant(tiny_model: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from align.cli import app

    runner = CliRunner()
    documents = tmp_path / "docs.txt"
    documents.write_text("".join(f"{text}\n" for text in DOCUMENTS.values()), encoding="utf-8")
    store = tmp_path / "store"
    assert (
        runner.invoke(app, ["index", str(documents), str(store), "--model", str(tiny_model)]).exit_code == 0
    )
    copied = runner.invoke(
        app, ["export", str(store), str(tmp_path / "q"), "--to", "qdrant", "--collection", "faq"]
    )
    assert copied.exit_code == 0 and "Copied 5 documents" in copied.output, copied.output
    both = runner.invoke(
        app, ["export", str(store), str(tmp_path / "q"), "--to", "qdrant", "--format", "onnx"]
    )
    assert both.exit_code == 2 and "not both" in both.output
    qdrant = QdrantStore(tmp_path / "q", "faq", readonly=True)
    local = Store(store, readonly=True)
    query = "Where is the train station?"
    assert [hit.id for hit in qdrant.search(query, k=3)] == [hit.id for hit in local.search(query, k=3)]
    qdrant.close()
