"""Every reader, fed random bytes, mixed encodings, empty and huge lines and truncated files: each
either returns a correct result (text without NUL bytes, one item per usable line) or raises a clear
:class:`~align.files.AlignError`, never another exception."""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from align.errors import AlignError
from align.files import iter_lines

SAMPLES_PER_KIND = 12
HUGE_LINE = 2_000_000  # characters: larger than csv's field limit and any tokenizer's input


def text_lines(rng: random.Random) -> list[str]:
    words = ["hello", "你好", "こんにちは", "Grüße", "שלום", "", " ", "\t", "a,b", '"q"', "{", "}"]
    return [" ".join(rng.choice(words) for _ in range(rng.randint(0, 6))) for _ in range(rng.randint(0, 8))]


def variants(rng: random.Random) -> list[bytes]:
    """Byte strings a user might hand align by mistake, or that a broken disk might hold."""
    lines = text_lines(rng)
    utf8 = "".join(f"{line}\n" for line in lines).encode("utf-8")
    return [
        bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 400))),  # random bytes
        utf8,
        "".join(f"{line}\n" for line in lines).encode("utf-16"),  # valid text, wrong encoding
        utf8 + "Grüße\n".encode("latin-1") + "你好\n".encode("gb18030"),  # mixed encodings
        b"",
        b"\n\n\n",
        utf8[: len(utf8) // 2],  # truncated mid-character
        ("x" * HUGE_LINE + "\n").encode(),
        b"\x00\x00\n" + utf8,
        b"\r\n".join(line.encode() for line in lines),  # Windows line ends
    ]


def corpus_variants(rng: random.Random) -> list[bytes]:
    """The byte variants above, plus valid-looking JSON, TSV, CSV and TMX made of random parts."""
    pieces = [
        json.dumps({"translation": {"en": "hi", "zh": "你好"}}),
        json.dumps({"translation": {"en": 1, "zh": [1, 2]}}),
        json.dumps([1, 2, 3]),
        "[" * 5000 + "]" * 5000,  # nesting deeper than Python's recursion limit
        "1" * 5000,  # an integer longer than Python converts
        "hi\t你好",
        '"a, b",c',
        '"unterminated,x',
        "<tmx><body><tu><tuv xml:lang='en'><seg>hi</seg></tuv></tu></body></tmx>",
        "<tmx><body><tu><tuv",
    ]
    made = ["\n".join(rng.choice(pieces) for _ in range(rng.randint(1, 5))).encode() for _ in range(4)]
    return variants(rng) + made


def check(read: Callable[[], object]) -> None:
    """Run one reader: a result must hold no NUL byte; a failure must be an AlignError."""
    try:
        result = read()
    except AlignError:
        return
    assert "\x00" not in repr(result)


def write_variants(tmp_path: Path, name: str, seed: int, make=variants) -> list[Path]:
    paths = []
    for number, content in enumerate(make(random.Random(seed))):
        path = tmp_path / f"{number}" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(content)
        paths.append(path)
    return paths


@pytest.mark.parametrize("seed", range(SAMPLES_PER_KIND))
def test_line_readers(tmp_path: Path, seed: int) -> None:
    from align.sentences import read_collection

    for path in write_variants(tmp_path, "s.txt", seed):
        check(lambda p=path: list(iter_lines(p)))
        check(lambda p=path: read_collection(p))
        try:
            kept = read_collection(path, skip_bad_lines=True).texts
        except AlignError:  # nothing usable in the file
            kept = []
        assert all(text and "\x00" not in text and "\t" not in text for text in kept)
        content = path.read_bytes()
        lines = content.count(b"\n") + (1 if content and not content.endswith(b"\n") else 0)
        assert len(list(iter_lines(path, skip_undecodable=True))) == lines  # line numbers stay aligned


@pytest.mark.parametrize("seed", range(SAMPLES_PER_KIND))
def test_corpus_readers(tmp_path: Path, seed: int) -> None:
    from align.data import read_delimited, read_jsonl, read_moses, read_tmx

    good = tmp_path / "good.txt"
    good.write_text("one\ntwo\n", encoding="utf-8")
    for path in write_variants(tmp_path, "c.txt", seed, corpus_variants):
        for skip in (False, True):
            check(lambda p=path, s=skip: list(read_moses(p, good, skip_bad_lines=s)))
            check(
                lambda p=path, s=skip: list(read_delimited(p, ("0", "1"), delimiter="\t", skip_bad_lines=s))
            )
            check(lambda p=path, s=skip: list(read_delimited(p, ("0", "1"), delimiter=",", skip_bad_lines=s)))
            check(
                lambda p=path, s=skip: list(read_delimited(p, ("en", "zh"), delimiter=",", skip_bad_lines=s))
            )
            check(
                lambda p=path, s=skip: list(
                    read_jsonl(p, ("translation.en", "translation.zh"), skip_bad_lines=s)
                )
            )
        check(lambda p=path: list(read_tmx(p, "en", "zh")))


@pytest.mark.parametrize("seed", range(4))
def test_gzip_corpora_damaged_or_not(tmp_path: Path, seed: int) -> None:
    from align.data import read_moses

    rng = random.Random(seed)
    good = tmp_path / "good.txt"
    good.write_text("".join(f"{line}\n" for line in text_lines(rng)), encoding="utf-8")
    packed = gzip.compress(good.read_bytes())
    for number, content in enumerate([packed, packed[: len(packed) // 2], b"\x1f\x8b" + packed[2:][::-1]]):
        path = tmp_path / f"{number}.en.gz"
        path.write_bytes(content)
        check(lambda p=path: list(read_moses(p, good)))


@pytest.mark.parametrize("seed", range(SAMPLES_PER_KIND))
def test_benchmark_and_gold_readers(tmp_path: Path, seed: int) -> None:
    from align.bench.bucc import read_bucc_split
    from align.bench.retrieval import read_tsv_retrieval, read_xquad_r
    from align.bench.tatoeba import load_tatoeba
    from align.mining.files import read_gold
    from align.sentences import read_collection

    rng = random.Random(seed)
    sentences = tmp_path / "sentences.txt"
    sentences.write_text("one\ntwo\nthree\n", encoding="utf-8")
    collection = read_collection(sentences)
    for directory in (path.parent for path in write_variants(tmp_path, "x", seed, corpus_variants)):
        content = (directory / "x").read_bytes()
        names = ["de-en.test.de", "de-en.test.en", "de-en.test.gold", "tatoeba.cmn-eng.cmn",
                 "tatoeba.cmn-eng.eng", "queries.tsv", "corpus.tsv", "qrels.tsv", "zh.json"]  # fmt: skip
        for name in names:
            (directory / name).write_bytes(content if rng.random() < 0.7 else b"id\t" + content)
        check(lambda d=directory: read_bucc_split(d, "de-en", "test"))
        check(lambda d=directory: load_tatoeba(d, "cmn"))
        check(lambda d=directory: read_tsv_retrieval(d))
        check(lambda d=directory: read_xquad_r(d, ["zh"]))
        check(lambda d=directory: read_gold(d / "x", collection, collection))


@pytest.mark.parametrize("seed", range(SAMPLES_PER_KIND))
def test_embedding_and_document_readers(tmp_path: Path, seed: int) -> None:
    from align.encode import load_embeddings
    from align.retriever import read_documents

    rng = np.random.default_rng(seed)
    matrix = tmp_path / "m.npy"
    np.save(matrix, rng.normal(size=(5, 4)).astype(np.float32))
    whole = matrix.read_bytes()
    cut = tmp_path / "cut.npy"
    cut.write_bytes(whole[: int(rng.integers(0, len(whole)))])
    check(lambda: load_embeddings(cut))
    objects = tmp_path / "objects.npy"
    np.save(objects, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    check(lambda: load_embeddings(objects))
    for path in write_variants(tmp_path, "documents.jsonl", seed, corpus_variants):
        check(lambda p=path: read_documents(p, 3))
