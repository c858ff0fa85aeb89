"""The FAISS wrapper and the Retriever: search results, save/load round trips, wrong-model errors."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import faiss
import numpy as np
import pytest
from sentence_transformers import SentenceTransformer

from align.encode import model_fingerprint
from align.errors import AlignError
from align.index import VectorIndex, approximate_factory, choose_factory
from align.retriever import Retriever, index_file
from tests.conftest import COMPOSED


def unit_rows(count: int, dimension: int, seed: int) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(count, dimension)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_index_type_follows_collection_size() -> None:
    assert choose_factory(1_000, 384) == "Flat"
    assert choose_factory(50_000, 384) == "Flat"
    assert choose_factory(100_000, 384) == "PQ48x4fs,Refine(SQfp16)"
    assert choose_factory(500_000, 512) == "PQ64x4fs,Refine(SQfp16)"
    assert choose_factory(2_000_000, 512) == "IVF4096,PQ64x4fs,Refine(SQfp16)"
    assert choose_factory(8_000_000, 512) == "IVF8192,PQ64x4fs,Refine(SQ8)"  # float16 would pass 4 GB
    assert choose_factory(100_000, 100) == "PQ10x4fs,Refine(SQfp16)"  # sub-quantisers divide the dimension


def structured_rows(count: int, seed: int) -> np.ndarray:
    """Unit rows near a 12-dimensional subspace of 64, as sentence embeddings are (unlike noise)."""
    rng, basis = np.random.default_rng(seed), np.random.default_rng(99).normal(size=(12, 64))
    rows = rng.normal(size=(count, 12)) @ basis + 0.3 * rng.normal(size=(count, 64))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_the_compressed_default_finds_the_exact_neighbours_and_cosines(tmp_path: Path) -> None:
    documents, queries = structured_rows(3_000, 0), structured_rows(200, 1)
    index = VectorIndex.build(documents, factory=approximate_factory(len(documents), 64))
    scores, ids = index.search(queries, 4)
    exact = np.argsort(-(queries @ documents.T), axis=1)[:, :4]
    recall = np.mean([len(set(found) & set(true)) / 4 for found, true in zip(ids, exact, strict=True)])
    assert recall > 0.9
    np.testing.assert_allclose(scores, np.einsum("qd,qkd->qk", queries, documents[ids]), atol=2e-3)
    index.save(tmp_path / "idx")
    loaded = VectorIndex.load(tmp_path / "idx")
    assert faiss.downcast_index(loaded.index).k_factor == loaded.info.refine_factor == 16


def test_reserved_stores_do_not_move_and_float16_input_gives_the_float32_results() -> None:
    """``reserve`` sizes the code stores once (no doubling copy while adding), and float16 shards,
    converted a batch at a time, build and search the same index as float32 ones."""
    documents, queries = structured_rows(3_000, 0), structured_rows(50, 1)
    factory = approximate_factory(len(documents), 64)
    index = VectorIndex.create(64, factory)
    index.train(documents[:2_000])
    index.reserve(len(documents))
    refine = faiss.downcast_index(faiss.downcast_index(index.index).refine_index)
    buffer = int(refine.codes.data())
    for start in range(0, len(documents), 500):  # many small adds: unreserved, the store would move
        index.add(documents[start : start + 500].astype(np.float16), batch_size=200)
    assert int(refine.codes.data()) == buffer and len(index) == len(documents)
    half = VectorIndex.build(documents.astype(np.float16), factory=factory)
    exact = np.argsort(-(queries @ documents.T), axis=1)[:, :4]
    for scores, ids in (index.search(queries, 4), half.search(queries.astype(np.float16), 4)):
        assert np.mean([len(set(row) & set(true)) / 4 for row, true in zip(ids, exact, strict=True)]) > 0.9
        np.testing.assert_allclose(scores, np.einsum("qd,qkd->qk", queries, documents[ids]), atol=3e-3)


def test_exact_search_matches_brute_force_and_survives_save_load(tmp_path: Path) -> None:
    documents, queries = unit_rows(500, 16, 0), unit_rows(20, 16, 1)
    index = VectorIndex.build(documents, model="m", fingerprint=[0.1, 0.2])
    scores, ids = index.search(queries, 5)
    expected = np.argsort(-(queries @ documents.T), axis=1)[:, :5]
    np.testing.assert_array_equal(ids, expected)
    np.testing.assert_allclose(scores, np.take_along_axis(queries @ documents.T, expected, axis=1), rtol=1e-5)

    index.save(tmp_path / "idx")
    loaded = VectorIndex.load(tmp_path / "idx")
    assert loaded.info == index.info and len(loaded) == 500
    np.testing.assert_array_equal(loaded.search(queries, 5)[1], ids)


def test_ivf_index_finds_nearly_all_exact_neighbours() -> None:
    documents = unit_rows(20_000, 32, 2)
    queries = documents[:200] + 0.05 * unit_rows(200, 32, 3)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    approximate = VectorIndex.build(documents, factory="IVF128,Flat", nprobe=16)
    assert approximate.info.factory == "IVF128,Flat"
    found = approximate.search(queries, 1)[1][:, 0]
    assert np.mean(found == np.arange(200)) >= 0.95


def test_encoding_to_a_memory_mapped_file_matches_encoding_in_memory(
    tiny_model: Path, tmp_path: Path
) -> None:
    from align.encode import encode_texts, encode_to_npy, load_encoder

    model = load_encoder(str(tiny_model))
    texts = [zh for _, zh in COMPOSED[:7]]
    mapped = encode_to_npy(model, texts, tmp_path / "e.npy", chunk_size=3, show_progress_bar=False)
    assert isinstance(mapped, np.memmap) and mapped.shape == (7, 32)
    np.testing.assert_allclose(mapped, encode_texts(model, texts), atol=1e-6)


def test_k_larger_than_the_index_is_clipped() -> None:
    _, ids = VectorIndex.build(unit_rows(3, 4, 0)).search(unit_rows(2, 4, 1), 10)
    assert ids.shape == (2, 3) and (ids >= 0).all()


def test_wrong_dimension_bad_factory_and_wrong_model_are_clear_errors(tmp_path: Path) -> None:
    index = VectorIndex.build(unit_rows(10, 8, 0), fingerprint=[0.5, 0.5])
    with pytest.raises(AlignError, match="dimension 4 but the index holds dimension 8"):
        index.search(unit_rows(2, 4, 1), 3)
    with pytest.raises(AlignError, match="FAISS cannot build index 'NoSuchIndex'"):
        VectorIndex.build(unit_rows(10, 8, 0), factory="NoSuchIndex")
    with pytest.raises(AlignError, match="built with another model"):
        index.check_fingerprint([0.5, -0.5])
    index.check_fingerprint([0.5, 0.5])
    with pytest.raises(AlignError, match="is not an align index"):
        VectorIndex.load(tmp_path)


def test_retriever_finds_documents_across_languages(tiny_model: Path, tmp_path: Path) -> None:
    retriever = Retriever(str(tiny_model))
    chinese = [zh for _, zh in COMPOSED[:30]]
    retriever.add(chinese[:20], ids=[f"doc{i}" for i in range(20)], metadata=[{"n": i} for i in range(20)])
    retriever.add(chinese[20:])  # default ids continue the running numbers
    english = [en for en, _ in COMPOSED[:30]]
    results = retriever.search(english, k=3)
    top = [hits[0].text for hits in results]
    assert np.mean([found == wanted for found, wanted in zip(top, chinese, strict=True)]) > 0.5
    hit = retriever.search(english[0], k=1)[0]
    assert hit.text == chinese[0] and hit.id == "doc0" and hit.metadata == {"n": 0}
    assert retriever.search(english[25], k=1)[0].id == "25"

    retriever.save(tmp_path / "saved")
    loaded = Retriever.load(tmp_path / "saved")  # finds its model from the recorded path
    assert [h.id for h in loaded.search(english[3], k=3)] == [h.id for h in results[3]]
    loaded.add(["新的文件。"], ids=["new"])  # adding after loading goes into the index
    assert len(loaded) == 31 and any(h.id == "new" for h in loaded.search("新的文件。", k=2))


def test_retriever_refuses_another_model(tiny_model: Path, tmp_path: Path) -> None:
    retriever = Retriever(SentenceTransformer(str(tiny_model), device="cpu"))
    retriever.add(["我喜欢茶。", "他们买书。"])
    retriever.save(tmp_path / "saved")
    with pytest.raises(AlignError, match="built from a model object"):
        Retriever.load(tmp_path / "saved")
    other = SentenceTransformer(str(tiny_model), device="cpu")
    with __import__("torch").no_grad():
        other[0].embedding.weight.mul_(-1)  # a "retrained" model at the same path
    assert model_fingerprint(other) != model_fingerprint(retriever.model)
    with pytest.raises(AlignError, match="whose vectors differ from"):
        Retriever.load(tmp_path / "saved", model=other)
    assert len(Retriever.load(tmp_path / "saved", model=str(tiny_model))) == 2


def test_retriever_input_errors(tiny_model: Path) -> None:
    retriever = Retriever(str(tiny_model))
    with pytest.raises(AlignError, match="holds no documents"):
        retriever.search("tea")
    with pytest.raises(AlignError, match="not a single string"):
        retriever.add("我喜欢茶。")  # type: ignore[arg-type]
    with pytest.raises(AlignError, match="2 documents, 1 ids"):
        retriever.add(["a", "b"], ids=["x"])


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            {"when": datetime.date(2024, 5, 1)},
            "the value of 'when' is a datetime.date, which JSON cannot hold; "
            "use str, int, float, bool, None, lists and dicts",
        ),
        ({"lang": "zh", "tags": {"a", "b"}}, "the value of 'tags' is a set, which JSON cannot hold"),
        ({"nested": [1, {"score": np.int64(3)}]}, "the value of 'nested' holds a numpy.int64"),
        ({("a", "b"): 1}, "the key ('a', 'b') is a tuple; JSON keys are strings"),
        ({7: "x"}, "the key 7 is an int; JSON keys are strings (save() would write it as '7')"),
        (["not", "a", "dict"], "a list, not a dict"),
        (None, "None, not a dict"),
    ],
)
def test_add_refuses_metadata_that_json_cannot_hold_and_changes_nothing(
    tiny_model: Path, bad: object, message: str
) -> None:
    retriever = Retriever(str(tiny_model))
    retriever.add(["我喜欢茶。", "他们买书。"], ids=["t", "b"], metadata=[{"n": 1}, {"n": 2}])
    documents = ["我头疼。", "火车站在哪里？", "新的文件。"]
    with pytest.raises(AlignError, match=re.escape(f"metadata of document 3 (id 'a7'): {message}")):
        retriever.add(documents, ids=["a5", "a6", "a7"], metadata=[{}, {"ok": [1, None]}, bad])  # type: ignore[list-item]
    assert len(retriever) == 2  # nothing added
    assert [hit.id for hit in retriever.search("tea", k=5)] in (["t", "b"], ["b", "t"])


def test_metadata_json_can_hold_survives_save_and_load(tiny_model: Path, tmp_path: Path) -> None:
    metadata = [
        {"source": "新闻", "year": 2024, "score": 0.5, "checked": True, "note": None},
        {"tags": ["a", "b"], "where": {"city": "北京", "lines": [1, 2]}},
        {},
    ]
    retriever = Retriever(str(tiny_model))
    retriever.add(["我喜欢茶。", "他们买书。", "我头疼。"], ids=["x", "y", "z"], metadata=metadata)
    retriever.save(tmp_path / "idx")
    loaded = Retriever.load(tmp_path / "idx")
    assert {hit.id: hit.metadata for hit in loaded.search("tea", k=3)} == dict(
        zip("xyz", metadata, strict=True)
    )


def test_the_api_names_keyword_arguments_and_the_command_line_options(
    tiny_model: Path, tmp_path: Path
) -> None:
    """One message, two spellings: ``force=True`` for a Python caller, ``--force`` for a command."""
    from typer.testing import CliRunner

    from align.cli import app

    documents = tmp_path / "docs.zh"
    documents.write_text("我喜欢茶。\n他们买书。\n", encoding="utf-8")
    retriever = Retriever(str(tiny_model))
    retriever.add(["我喜欢茶。"])
    retriever.save(tmp_path / "idx")
    with pytest.raises(AlignError, match=r"idx already exists; pass force=True to replace it$"):
        retriever.save(tmp_path / "idx")
    command = ["index", str(documents), str(tmp_path / "idx"), "--model", str(tiny_model)]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2 and "idx already exists; pass --force to replace it" in result.output
    assert "force=True" not in result.output

    bad = tmp_path / "bad.zh"
    bad.write_bytes("我喜欢茶。\n".encode() + b"\xff\xfe\n")
    with pytest.raises(AlignError, match=r"bad.zh:2: not valid UTF-8.*pass skip_bad_lines=True to drop"):
        index_file(bad, tmp_path / "other", str(tiny_model))
    result = CliRunner().invoke(app, ["index", str(bad), str(tmp_path / "other"), "--model", str(tiny_model)])
    assert result.exit_code == 2 and "pass --skip-bad-lines to drop such lines" in result.output
    assert "skip_bad_lines=True" not in result.output


def test_nprobe_survives_save_load_of_an_ivf_index_and_can_be_changed(tmp_path: Path) -> None:

    documents = unit_rows(5_000, 16, 4)
    index = VectorIndex.build(documents, factory="IVF64,Flat", nprobe=3)
    assert faiss.extract_index_ivf(index.index).nprobe == 3
    index.save(tmp_path / "ivf")
    loaded = VectorIndex.load(tmp_path / "ivf")
    assert loaded.info.nprobe == 3 and faiss.extract_index_ivf(loaded.index).nprobe == 3
    queries = documents[:50]
    np.testing.assert_array_equal(loaded.search(queries, 5)[1], index.search(queries, 5)[1])
    loaded.set_nprobe(64)  # every list: exact search, whatever the partition
    assert faiss.extract_index_ivf(loaded.index).nprobe == 64
    exact = np.argsort(-(queries @ documents.T), axis=1)[:, :5]
    np.testing.assert_array_equal(loaded.search(queries, 5)[1], exact)
    with pytest.raises(AlignError, match="nprobe must be at least 1"):
        loaded.set_nprobe(0)


def test_retriever_saves_its_nprobe_and_load_can_override_it(tiny_model: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from align.cli import app

    documents = tmp_path / "docs.zh"
    documents.write_text("".join(f"{zh}\n" for _, zh in COMPOSED[:300]), encoding="utf-8")
    runner = CliRunner()
    built = runner.invoke(
        app,
        [
            "index",
            str(documents),
            str(tmp_path / "idx"),
            "--model",
            str(tiny_model),
            "--index-factory",
            "IVF8,Flat",
            "--nprobe",
            "2",
        ],
    )
    assert built.exit_code == 0, built.output
    assert Retriever.load(tmp_path / "idx").build().info.nprobe == 2
    assert Retriever.load(tmp_path / "idx", nprobe=8).build().info.nprobe == 8
    found = runner.invoke(app, ["search", str(tmp_path / "idx"), COMPOSED[5][0], "-k", "1", "--nprobe", "8"])
    assert found.exit_code == 0, found.output
    assert "[6]" in found.output  # line 6 holds the translation; all 8 lists scanned: exact


@pytest.mark.parametrize("options", [{}, {"factory": "Flat"}], ids=["store", "index"])
def test_a_retriever_shared_by_an_adding_thread_and_searching_threads_stays_whole(
    tiny_model: Path, tmp_path: Path, options: dict
) -> None:
    import threading

    retriever = Retriever(str(tiny_model), **options)
    retriever.add(["火车站在哪里？", "我头疼。"], ids=["q1", "q2"])
    retriever.search("x", k=1)
    errors: list[BaseException] = []

    def adding() -> None:
        try:
            for number, (english, _) in enumerate(COMPOSED):
                retriever.add([english], ids=[f"f{number}"])
        except BaseException as error:
            errors.append(error)

    def searching() -> None:
        try:
            for _ in range(200):
                retriever.search("train station", k=3)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work) for work in (adding, searching, searching)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:1]
    total = 2 + len(COMPOSED)
    assert len(retriever) == total and (options == {} or len(retriever.build()) == total)
    for number, (text, _) in enumerate(COMPOSED):
        # the document's own vector scores 1; texts the tiny model reads alike tie with it
        best = [hit.text for hit in retriever.search(text, k=20) if hit.score > 0.9999]
        assert text in best, f"f{number}"
    retriever.save(tmp_path / "i")
    assert len(Retriever.load(tmp_path / "i")) == total
