"""The document store against a brute-force reference: upserts, deletes, every filter operator,
prompts by role; shared by threads and by processes; consistent after kill -9."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

from align.encode import FINGERPRINT_PROBE
from align.errors import AlignError
from align.store import Store

DIMENSION = 16


class HashEmbedder:
    """A deterministic Embedder: each (prompt + text) gets its own random unit vector."""

    name = "hash-embedder"
    dimension = DIMENSION
    max_length = None

    def __init__(self, prompts: dict[str, str] | None = None) -> None:
        self.prompts = prompts or {}
        self.calls: list[tuple[str | None, list[str]]] = []

    def __call__(self, texts, *, role=None):
        self.calls.append((role, list(texts)))
        prefix = self.prompts.get(role or "", "")
        rows = [
            np.random.default_rng(zlib.crc32((prefix + text).encode())).normal(size=DIMENSION)
            for text in texts
        ]
        matrix = np.array(rows, dtype=np.float32).reshape(len(texts), DIMENSION)
        return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)

    def fingerprint(self) -> str:
        return "hash-1"


@pytest.fixture(params=["sqlite", "qdrant"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path):
    """Opens a store by name: align's own (SQLite + FAISS), or the same API over a collection in
    Qdrant's local mode (one client a directory, so opening one closes those opened before)."""
    opened: list = []

    def open_(name: str = "s", model=None, **options):
        if request.param == "qdrant":
            pytest.importorskip("qdrant_client")
            from align.store.qdrant import QdrantStore

            for earlier in opened:
                earlier.close()
            store = QdrantStore(tmp_path / f"qdrant-{name}", "documents", model, **options)
        else:
            store = Store(tmp_path / name, model, **options)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()


def reference_search(live: dict[str, dict], vector: np.ndarray, k: int, keep) -> list[tuple[str, float]]:
    embed = HashEmbedder()
    scored = [
        (identifier, float(embed([doc["text"]])[0] @ vector)) for identifier, doc in live.items() if keep(doc)
    ]
    return sorted(scored, key=lambda pair: -pair[1])[:k]


def test_upserts_deletes_and_filters_match_brute_force(open_store) -> None:
    rng = random.Random(7)
    store = open_store("s", HashEmbedder())
    live: dict[str, dict] = {}
    for step in range(30):
        ids = [f"doc{rng.randrange(300)}" for _ in range(rng.randint(1, 20))]
        ids = list(dict.fromkeys(ids))
        if rng.random() < 0.25 and live:
            gone = [*rng.sample(sorted(live), min(len(live), 5)), "never-stored"]
            assert store.delete(gone) == len(gone) - 1
            for identifier in gone:
                live.pop(identifier, None)
            continue
        texts = [f"text {identifier} v{step}" for identifier in ids]
        metadata = [
            {"year": rng.randint(2018, 2026), "tag": rng.choice("abc"), "nested": {"x": rng.randint(0, 3)}}
            for _ in ids
        ]
        langs = [rng.choice(["en", "zh", "de"]) for _ in ids]
        assert store.upsert(ids, texts, metadata, langs) == len(ids)
        for identifier, text, meta, lang in zip(ids, texts, metadata, langs, strict=True):
            live[identifier] = {"text": text, "lang": lang, **meta}
    assert len(store) == len(live)
    filters = {
        None: lambda doc: True,
        "lang": ({"lang": "zh"}, lambda doc: doc["lang"] == "zh"),
        "in": ({"tag": {"$in": ["a", "c"]}}, lambda doc: doc["tag"] in ("a", "c")),
        "nin": ({"tag": {"$nin": ["a"]}}, lambda doc: doc["tag"] != "a"),
        "range": ({"year": {"$gte": 2020, "$lt": 2024}}, lambda doc: 2020 <= doc["year"] < 2024),
        "gt_lte": ({"year": {"$gt": 2020, "$lte": 2022}}, lambda doc: 2020 < doc["year"] <= 2022),
        "ne": ({"tag": {"$ne": "b"}}, lambda doc: doc["tag"] != "b"),
        "nested_and": (
            {"nested.x": 1, "lang": {"$in": ["en", "de"]}},
            lambda doc: doc["nested"]["x"] == 1 and doc["lang"] != "zh",
        ),
    }
    for query in ("alpha", "beta", "text doc5 v3"):
        vector = HashEmbedder()([query])[0]
        for name, spec in filters.items():
            where, keep = (None, spec) if name is None else spec
            expected = reference_search(live, vector, 10, keep)
            hits = store.search(query, k=10, where=where)
            assert [hit.id for hit in hits] == [identifier for identifier, _ in expected], name
            assert np.allclose([hit.score for hit in hits], [score for _, score in expected], atol=1e-5)
            assert all(keep({"text": hit.text, "lang": hit.lang, **hit.metadata}) for hit in hits)
    assert store.search("alpha", k=5, where={"tag": "z"}) == []  # an empty filter result
    cut = store.search("alpha", k=10)[4].score
    assert all(hit.score >= cut for hit in store.search("alpha", k=10, min_score=cut))
    assert len(store.search("alpha", k=10, min_score=cut)) == 5


def test_ids_are_ids_and_bad_requests_say_why(open_store) -> None:
    store = open_store("s", HashEmbedder())
    store.upsert(["a", "b"], ["first", "second"])
    store.upsert(["a"], ["first, edited"], [{"v": 2}])
    assert len(store) == 2 and store.get("a").text == "first, edited" and store.get("a").metadata == {"v": 2}
    assert store.get("missing") is None
    assert [hit.id for hit in store.search("first, edited", k=1)] == ["a"]
    with pytest.raises(AlignError, match="the same id more than once"):
        store.upsert(["c", "c"], ["x", "y"])
    with pytest.raises(AlignError, match="2 ids, 1 texts"):
        store.upsert(["c", "d"], ["x"])
    with pytest.raises(AlignError, match="unknown operator '\\$like'"):
        store.search("x", where={"tag": {"$like": "a%"}})
    with pytest.raises(AlignError, match="is not a field name"):
        store.search("x", where={"tag') OR 1=1 --": 1})
    with pytest.raises(AlignError, match="give a query or a vector"):
        store.search()
    vector = HashEmbedder()(["second"])[0]
    assert store.search(vector=vector, k=1)[0].id == "b"
    assert [len(hits) for hits in store.search(vector=np.stack([vector, vector]), k=2)] == [2, 2]
    assert json.dumps([hit.to_json() for hit in store.search("first", k=2)])  # plain data


def test_prompts_by_role_come_from_the_model_and_are_recorded(open_store) -> None:
    embedder = HashEmbedder({"query": "query: ", "passage": "passage: "})
    store = open_store("s", embedder)
    assert (store.query_role, store.document_role) == ("query", "passage")
    store.upsert(["a"], ["hello"])
    store.search("hello", k=1)
    calls = [role for role, texts in embedder.calls if texts != [FINGERPRINT_PROBE]]  # not the model's check
    assert calls == ["passage", "query"]
    reopened = open_store("s", HashEmbedder({"query": "query: ", "passage": "passage: "}))
    assert (reopened.query_role, reopened.document_role) == ("query", "passage")
    overridden = open_store("s", embedder, query_role="passage")
    assert overridden.query_role == "passage"
    assert open_store("s").setting("model") == "hash-embedder"  # recorded: opens without a model
    with pytest.raises(AlignError, match="whose vectors differ"):
        open_store("s", HashEmbedder({"": "another model: "}))  # its vectors differ


def test_threads_add_update_delete_and_search_at_once(tmp_path: Path) -> None:
    store = Store(tmp_path / "s", HashEmbedder())
    store.upsert(["seed"], ["seed text"])
    errors: list[BaseException] = []

    def run(work) -> None:
        try:
            work()
        except BaseException as error:
            errors.append(error)

    def adder(start: int) -> None:
        for number in range(start, start + 150):
            store.upsert([f"d{number}"], [f"document {number}"])

    def updater() -> None:
        for number in range(150):
            store.upsert([f"d{number}"], [f"document {number} updated"])

    def deleter() -> None:
        for number in range(300, 450, 3):
            store.delete([f"d{number}"])

    def searcher() -> None:
        for _ in range(150):
            for hit in store.search("document", k=3):
                assert hit.text.startswith(("document", "seed"))

    threads = [threading.Thread(target=run, args=(work,)) for work in
               (lambda: adder(0), lambda: adder(300), updater, deleter, searcher, searcher)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:1]
    embed = HashEmbedder()
    for row_ids in [f"d{n}" for n in range(450)] + ["seed"]:
        document = store.get(row_ids)
        if document is None:
            continue
        assert store.search(vector=embed([document.text])[0], k=1)[0].id == row_ids
    assert len(store) == len(store.table.matching_rows(None))


WRITER = """
import sys, os, json
sys.path.insert(0, {tests!r})
from test_store import HashEmbedder
from align.store import Store
store = Store(sys.argv[1], HashEmbedder())
log = open(sys.argv[2], "a")
for batch in range(int(sys.argv[3])):
    ids = [f"b{{batch}}-{{n}}" for n in range(50)] + [f"shared{{n}}" for n in range(5)]
    store.upsert(ids, [f"batch {{batch}} doc {{n}}" for n in range(55)])
    if batch % 3 == 2:
        store.delete([f"b{{batch - 1}}-{{n}}" for n in range(10)])
    log.write(json.dumps(batch) + "\\n"); log.flush(); os.fsync(log.fileno())
"""


def _writer(tmp_path: Path, batches: int) -> subprocess.Popen:
    script = WRITER.format(tests=str(Path(__file__).parent))
    command = [sys.executable, "-c", script, str(tmp_path / "s"), str(tmp_path / "acked.log"), str(batches)]
    return subprocess.Popen(command, cwd=Path(__file__).parents[1])


def _expected(acknowledged: int, deletes: bool = True) -> dict[str, str]:
    """Every document after batches 0..acknowledged-1 of the writer (the last one's deletes left out
    without ``deletes``: its upsert and its delete are two transactions)."""
    live: dict[str, str] = {}
    for batch in range(acknowledged):
        for n in range(50):
            live[f"b{batch}-{n}"] = f"batch {batch} doc {n}"
        for n in range(5):
            live[f"shared{n}"] = f"batch {batch} doc {50 + n}"
        if batch % 3 == 2 and (deletes or batch < acknowledged - 1):
            for n in range(10):
                live.pop(f"b{batch - 1}-{n}", None)
    return live


def test_a_reader_process_sees_a_writer_process(tmp_path: Path) -> None:
    Store(tmp_path / "s", HashEmbedder()).close()
    writer = _writer(tmp_path, 12)
    reader = Store(tmp_path / "s", readonly=True)
    assert writer.wait(timeout=120) == 0
    reader.refresh()
    live = _expected(12)
    assert len(reader) == len(live)
    probe = HashEmbedder()([live["shared3"]])[0]
    assert reader.search(vector=probe, k=1)[0].id == "shared3"


@pytest.mark.slow
def test_kill_9_at_random_points_keeps_exactly_the_acknowledged_writes(tmp_path: Path) -> None:
    rng = random.Random(3)
    for trial in range(4):
        work = tmp_path / f"trial{trial}"
        work.mkdir()
        Store(work / "s", HashEmbedder()).close()
        writer = _writer(work, 400)
        time.sleep(rng.uniform(1.0, 3.0))
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        log = (work / "acked.log").read_text().split() if (work / "acked.log").exists() else []
        acknowledged = len(log)
        store = Store(work / "s", HashEmbedder())
        stored = {
            document.id: document.text
            for document in store.table.documents(list(store.table.matching_rows(None))).values()
        }
        # each transaction in flight when the writer died is stored whole or not at all
        allowed = (
            _expected(acknowledged),
            _expected(acknowledged + 1, deletes=False),
            _expected(acknowledged + 1),
        )
        assert stored in allowed, trial
        embed = HashEmbedder()
        for identifier in rng.sample(sorted(stored), min(30, len(stored))):
            assert store.search(vector=embed([stored[identifier]])[0], k=1)[0].id == identifier


def reference_bm25(documents: dict[str, str], query: str) -> list[tuple[str, float]]:
    """BM25 as SQLite's FTS5 computes it (k1 1.2, b 0.75, IDF floored at 1e-6), over align's terms."""
    import math

    from align.store.lexical import terms

    tokenised = {identifier: terms(text) for identifier, text in documents.items()}
    average = sum(map(len, tokenised.values())) / len(tokenised)
    wanted = list(dict.fromkeys(terms(query)))
    scores = {}
    for identifier, words in tokenised.items():
        score = 0.0
        for term in wanted:
            frequency = words.count(term)
            if not frequency:
                continue
            holding = sum(term in other for other in tokenised.values())
            idf = max(math.log((len(tokenised) - holding + 0.5) / (holding + 0.5)), 1e-6)
            score += idf * frequency * 2.2 / (frequency + 1.2 * (0.25 + 0.75 * len(words) / average))
        if any(term in words for term in wanted):
            scores[identifier] = score
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))


def test_lexical_and_hybrid_search_match_the_reference(tmp_path: Path) -> None:
    from align.store.fusion import RRF_K

    rng = random.Random(11)
    vocabulary = ["train", "station", "ticket", "tea", "cup", "red", "blue", "火车", "车站", "茶", "红"]
    documents = {f"d{n}": " ".join(rng.choices(vocabulary, k=rng.randint(2, 8))) for n in range(120)}
    store = Store(tmp_path / "s", HashEmbedder())
    ids = sorted(documents)
    store.upsert(ids, [documents[i] for i in ids], [{"even": int(i[1:]) % 2 == 0} for i in ids])
    store.delete(["d0", "d1"])
    del documents["d0"], documents["d1"]
    for query in ("train ticket", "火车站", "red tea cup"):
        expected = reference_bm25(documents, query)
        hits = store.search(query, k=10, mode="lexical")
        assert np.allclose([hit.score for hit in hits], [score for _, score in expected[:10]], rtol=1e-4)
        assert {hit.id for hit in hits if hit.score > expected[10][1] + 1e-6} <= {i for i, _ in expected[:10]}
        dense = reference_search(
            {i: {"text": t} for i, t in documents.items()}, HashEmbedder()([query])[0], 100, bool
        )
        fused: dict[str, float] = {}
        for ranking in (dense, expected[:100]):
            for rank, (identifier, _) in enumerate(ranking, start=1):
                fused[identifier] = fused.get(identifier, 0.0) + 1 / (RRF_K + rank)
        best = sorted(fused.values(), reverse=True)[:5]
        assert np.allclose([hit.score for hit in store.search(query, k=5, mode="hybrid")], best)
        weighted: dict[str, float] = {}  # the lexical ranking at a quarter of the weight
        for ranking, weight in ((dense, 1.0), (expected[:100], 0.25)):
            for rank, (identifier, _) in enumerate(ranking, start=1):
                weighted[identifier] = weighted.get(identifier, 0.0) + 1 / (rank / weight + RRF_K)
        best = sorted(weighted.values(), reverse=True)[:5]
        found = store.search(query, k=5, mode="hybrid", lexical_weight=0.25)
        assert np.allclose([hit.score for hit in found], best)
    evens = store.search("train", k=50, mode="lexical", where={"even": True})
    assert evens and all(hit.metadata["even"] for hit in evens)
    assert store.search("zebra", k=5, mode="lexical") == []
    with pytest.raises(AlignError, match="needs a query's text"):
        store.search(vector=HashEmbedder()(["x"])[0], mode="hybrid")
    with pytest.raises(AlignError, match="mode must be one of dense, lexical, hybrid"):
        store.search("x", mode="sparse")


def test_lexical_search_finds_words_in_unspaced_scripts() -> None:
    from align.store.lexical import terms

    assert terms("火车站在哪里？") == [
        "火",
        "车",
        "站",
        "在",
        "哪",
        "里",
        "火车",
        "车站",
        "站在",
        "在哪",
        "哪里",
    ]
    assert terms("Ｔｒａｉｎ No.42 東京") == ["train", "no", "42", "東", "京", "東京"]


def test_languages_are_identified_on_the_way_in_and_filter_the_cross_lingual_case(tmp_path: Path) -> None:
    pytest.importorskip("fasttext", reason="the lid extra is not installed")
    store = Store(tmp_path / "s", HashEmbedder())
    assert store.lid == "fasttext"
    texts = {
        "en1": "Where is the train station?", "en2": "I would like a cup of tea, please.",
        "zh1": "火车站在哪里？", "zh2": "我想要一杯茶。", "de1": "Wo ist der Bahnhof, bitte?",
    }  # fmt: skip
    store.upsert(list(texts), list(texts.values()))
    assert {identifier: store.get(identifier).lang for identifier in texts} == {
        "en1": "en", "en2": "en", "zh1": "zh", "zh2": "zh", "de1": "de"
    }  # fmt: skip
    assert store.table.languages() == {"de": 1, "en": 2, "zh": 2}
    hits = store.search("Where can I buy a train ticket?", k=5, other_languages=True)
    assert {hit.lang for hit in hits} == {"zh", "de"} and len(hits) == 3
    assert {hit.id for hit in store.search("train", k=5, where={"lang": "zh"})} == {"zh1", "zh2"}
    with pytest.raises(AlignError, match="no lang filter beside it"):
        store.search("train", other_languages=True, where={"lang": "zh"})
    plain = Store(tmp_path / "t", HashEmbedder(), lid=None)
    plain.upsert(["a"], ["Where is the train station?"])
    assert plain.get("a").lang is None and Store(tmp_path / "t").lid is None  # recorded


def test_the_command_line_indexes_updates_deletes_and_filters_a_store(
    tiny_model: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from align.cli import app
    from tests.conftest import COMPOSED

    runner = CliRunner()
    documents = tmp_path / "docs.txt"
    documents.write_text("".join(f"{en}\n{zh}\n" for en, zh in COMPOSED[:20]), encoding="utf-8")
    store = tmp_path / "store"
    built = runner.invoke(app, ["index", str(documents), str(store), "--model", str(tiny_model)])
    assert built.exit_code == 0 and "Indexed 40 documents" in built.output, built.output
    found = runner.invoke(
        app, ["search", str(store), COMPOSED[3][0], "-k", "3", "--where", "lang=zh", "--json"]
    )
    assert found.exit_code == 0, found.output
    hits = json.loads(found.stdout)[0]["hits"]
    assert len(hits) == 3 and {hit["lang"] for hit in hits} == {"zh"} and hits[0]["text"] == COMPOSED[3][1]
    lexical = runner.invoke(app, ["search", str(store), COMPOSED[5][0], "--mode", "lexical", "-k", "1"])
    assert lexical.exit_code == 0 and COMPOSED[5][0] in lexical.output
    deleted = runner.invoke(app, ["delete", str(store), "1", "2", "999"])
    assert deleted.exit_code == 0 and "Deleted 2 of 3 ids" in deleted.output and "38 left" in deleted.output
    documents.write_text("".join(f"{en}\n" for en, _ in COMPOSED[20:25]), encoding="utf-8")
    again = runner.invoke(app, ["index", str(documents), str(store), "--model", str(tiny_model)])
    assert again.exit_code == 2 and "already exists; pass --force" in again.output
    updated = runner.invoke(
        app, ["index", str(documents), str(store), "--model", str(tiny_model), "--update"]
    )
    assert updated.exit_code == 0 and "(40 in the store)" in updated.output, (
        updated.output
    )  # lines 1-5 replaced
    info = runner.invoke(app, ["index", "--info", str(store)])
    assert info.exit_code == 0 and f"{store}: 40 documents" in info.output and "index: flat" in info.output
    assert "languages (" in info.output and "en " in info.output and "zh " in info.output
    compact = tmp_path / "compact"
    made = runner.invoke(
        app, ["index", str(documents), str(compact), "--model", str(tiny_model), "--compact"]
    )
    assert (
        made.exit_code == 0
        and "index: compact" in runner.invoke(app, ["index", "--info", str(compact)]).output
    )
    not_a_store = runner.invoke(app, ["index", "--info", str(tmp_path)])
    assert not_a_store.exit_code == 2 and "is not a store made by align index" in not_a_store.output
    bad = runner.invoke(app, ["search", str(store), "tea", "--where", "lang"])
    assert bad.exit_code == 2 and "--where 'lang': write FIELD=VALUE" in bad.output
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "notes.txt").write_text("mine\n", encoding="utf-8")
    refused = runner.invoke(
        app, ["index", str(documents), str(plain), "--model", str(tiny_model), "--update"]
    )
    assert refused.exit_code == 2 and "is not a store" in refused.output
    legacy = tmp_path / "legacy"
    runner.invoke(
        app, ["index", str(documents), str(legacy), "--model", str(tiny_model), "--index-factory", "Flat"]
    )
    filtered = runner.invoke(app, ["search", str(legacy), "tea", "--where", "lang=zh"])
    assert (
        filtered.exit_code == 2
        and "read-only index: where, mode and other_languages need a store" in filtered.output
    )


def test_a_kept_filter_follows_every_change(tmp_path: Path) -> None:
    rng = random.Random(4)
    store = Store(tmp_path / "s", HashEmbedder())
    store.index_field("tag")
    live: dict[str, dict] = {}
    where = {"tag": {"$in": ["a", "b"]}}
    vector = HashEmbedder()(["probe"])[0]
    for step in range(25):
        if step % 4 == 3 and live:
            gone = rng.sample(sorted(live), min(3, len(live)))
            store.delete(gone)
            for identifier in gone:
                live.pop(identifier)
        else:
            ids = list(dict.fromkeys(f"d{rng.randrange(60)}" for _ in range(8)))
            tags = [rng.choice("abc") for _ in ids]
            store.upsert(ids, [f"{i} step {step}" for i in ids], [{"tag": tag} for tag in tags])
            live.update(
                {i: {"text": f"{i} step {step}", "tag": tag} for i, tag in zip(ids, tags, strict=True)}
            )
        expected = reference_search(live, vector, 10, lambda doc: doc["tag"] in ("a", "b"))
        assert [hit.id for hit in store.search(vector=vector, k=10, where=where)] == [
            i for i, _ in expected
        ], step


def test_a_saved_index_is_caught_up_from_the_log_and_a_damaged_one_ignored(tmp_path: Path) -> None:
    store = Store(tmp_path / "s", HashEmbedder())
    store.upsert([f"d{n}" for n in range(50)], [f"text {n}" for n in range(50)])
    store.close()  # saves the index
    saved = list((tmp_path / "s").glob("index-*.faiss"))
    assert len(saved) == 1
    later = Store(tmp_path / "s", HashEmbedder())
    assert later._seen == later._saved  # started from the saved index, nothing to catch up
    later.upsert(["d1", "new"], ["text one, edited", "a new one"])
    later.delete(["d2"])
    # no close: as if the process were killed; the next one starts from the saved index and the log
    reopened = Store(tmp_path / "s", HashEmbedder())
    embed = HashEmbedder()
    for identifier, text in (("d1", "text one, edited"), ("new", "a new one"), ("d7", "text 7")):
        assert reopened.search(vector=embed([text])[0], k=1)[0].id == identifier
    assert reopened.get("d2") is None and len(reopened) == 50
    assert all(hit.id != "d2" for hit in reopened.search(vector=embed(["text 2"])[0], k=50))
    reopened.close()
    [current] = list((tmp_path / "s").glob("index-*.faiss"))
    assert current != saved[0]  # a newer copy replaced the older one
    current.write_bytes(b"not an index")
    damaged = Store(tmp_path / "s", HashEmbedder())
    assert damaged._saved == 0 and damaged.search(vector=embed(["a new one"])[0], k=1)[0].id == "new"


def test_the_log_is_pruned_when_the_index_is_saved_and_a_reader_behind_it_rebuilds(tmp_path: Path) -> None:
    writer = Store(tmp_path / "s", HashEmbedder())
    writer.upsert([f"d{n}" for n in range(20)], [f"text {n}" for n in range(20)])
    reader = Store(tmp_path / "s", readonly=True)
    assert len(reader.search(vector=HashEmbedder()(["text 3"])[0], k=30)) == 20
    writer.upsert(["d3"], ["text three"])
    writer.delete(["d4"])
    writer.save_index()
    assert writer.table.first_logged_change() is None  # the log up to the saved copy is gone
    writer.upsert(["d5"], ["text five"])
    embed = HashEmbedder()
    hits = reader.search(vector=embed(["text three"])[0], k=30)  # behind the pruned log: rebuilt
    assert hits[0].id == "d3" and "d4" not in {hit.id for hit in hits} and len(hits) == 19
    assert reader.search(vector=embed(["text five"])[0], k=1)[0].id == "d5"


def test_a_kept_filter_is_read_afresh_when_the_log_behind_it_was_pruned(tmp_path: Path) -> None:
    store = Store(tmp_path / "s", HashEmbedder())
    store.upsert(["a", "b"], ["first", "second"], [{"tag": "x"}, {"tag": "y"}])
    vector = HashEmbedder()(["third"])[0]
    assert [hit.id for hit in store.search(vector=vector, k=5, where={"tag": "x"})] == ["a"]
    store.upsert(["c"], ["third"], [{"tag": "x"}])
    store.save_index()  # prunes the log, which held the change the kept filter has not seen
    assert {hit.id for hit in store.search(vector=vector, k=5, where={"tag": "x"})} == {"a", "c"}


def _clustered(count: int, dimension: int, seed: int) -> np.ndarray:
    """Unit vectors around 50 centres: the structure an inverted file is built for."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(50, dimension))
    vectors = centres[rng.integers(0, 50, count)] + 0.6 * rng.normal(size=(count, dimension))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_a_compact_store_trains_its_codes_and_rescores_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import align.store.store as store_module

    monkeypatch.setattr(store_module, "COMPACT_FROM", 3_000)
    dimension = 32
    vectors = _clustered(4_000, dimension, seed=1)
    ids = [f"d{n}" for n in range(len(vectors))]
    embedder = HashEmbedder()
    embedder.dimension = dimension  # its vectors are never asked for: the documents' are given
    store = Store(tmp_path / "s", embedder, index="compact")
    metadata = [{"bucket": n % 10} for n in range(len(vectors))]
    store.upsert(ids[:2_000], ids[:2_000], metadata[:2_000], [None] * 2_000, vectors=vectors[:2_000])
    assert store._index.describe() == "flat"  # too few documents to train codes on: exact
    store.upsert(ids[2_000:], ids[2_000:], metadata[2_000:], [None] * 2_000, vectors=vectors[2_000:])
    assert store._index.describe().startswith("IVF")
    gone = ids[::7]
    store.delete(gone)
    live = np.array([n for n in range(len(ids)) if n % 7], dtype=np.int64)
    queries = _clustered(20, dimension, seed=2)
    found_total = 0
    for where, keep in [(None, live), ({"bucket": {"$lt": 1}}, live[live % 10 < 1])]:
        exact = np.argsort(-(vectors[keep] @ queries.T), axis=0)[:10].T
        hits = store.search(vector=queries, k=10, where=where, nprobe=64)
        for query, found, truth in zip(queries, hits, exact, strict=True):
            assert len(found) == 10 and all(hit.id not in gone for hit in found)
            if where:
                assert all(hit.metadata["bucket"] == 0 for hit in found)
            for hit in found:  # scores are exact cosines, from the float32 vectors
                assert hit.score == pytest.approx(float(vectors[int(hit.id[1:])] @ query), abs=1e-5)
            found_total += len({hit.id for hit in found} & {f"d{keep[n]}" for n in truth})
    assert found_total / (2 * 20 * 10) >= 0.9  # recall@10 against exact search
    few = [int(n) for n in live[::300]]  # 12 documents in lists far apart: k hits all the same
    for query in queries[:5]:
        hits = store.search(vector=query, k=10, where={"id": {"$in": [f"d{n}" for n in few]}}, nprobe=1)
        exact = sorted(few, key=lambda n: -float(vectors[n] @ query))[:10]
        assert [hit.id for hit in hits] == [f"d{n}" for n in exact]
    store.close()
    reopened = Store(tmp_path / "s", readonly=True)
    assert reopened._index.describe().startswith("IVF") and len(reopened._index) == len(live)
    assert [hit.id for hit in reopened.search(vector=queries[0], k=5, nprobe=64)] == [
        hit.id for hit in store_after(tmp_path, queries[0])
    ]


def store_after(tmp_path: Path, query: np.ndarray):
    """The same store's hits after its index is rebuilt from the database alone."""
    store = Store(tmp_path / "s", readonly=True)
    store.reindex()
    return store.search(vector=query, k=5, nprobe=64)


def test_given_vectors_are_checked_and_the_index_kind_is_the_stores(tmp_path: Path) -> None:
    store = Store(tmp_path / "s", HashEmbedder())
    with pytest.raises(AlignError, match="16 dimensions"):
        store.upsert(["a"], ["a"], vectors=np.ones((1, 3)))
    with pytest.raises(AlignError, match="zero or not finite"):
        store.upsert(["a"], ["a"], vectors=np.zeros((1, DIMENSION)))
    store.upsert(["a"], ["a"], vectors=np.full((1, DIMENSION), 3.0))
    assert store.search(vector=np.ones(DIMENSION), k=1)[0].score == pytest.approx(1.0)
    store.close()
    with pytest.raises(AlignError, match="the store's index is flat, not compact"):
        Store(tmp_path / "s", index="compact")
    with pytest.raises(AlignError, match="index must be one of flat, compact"):
        Store(tmp_path / "t", HashEmbedder(), index="hnsw")


def test_space_left_by_deletes_is_given_back(tmp_path: Path) -> None:
    store = Store(tmp_path / "s", HashEmbedder(), lid=None)
    texts = [f"a longer document, number {n}, " * 20 for n in range(2_000)]
    store.upsert([str(n) for n in range(2_000)], texts)
    store.close()
    database = tmp_path / "s" / "store.sqlite"
    full = database.stat().st_size
    store = Store(tmp_path / "s")
    store.delete([str(n) for n in range(1_800)])
    assert store.table.free_share() > 0.25
    store.close()  # past a quarter free: compacted
    assert database.stat().st_size < full / 3
    reopened = Store(tmp_path / "s", HashEmbedder())
    assert len(reopened) == 200 and reopened.search(texts[1900], k=1)[0].id == "1900"
    assert reopened.compact()
    reopened.close()
