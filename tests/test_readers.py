"""Each corpus reader, and each kind of bad input it must name clearly."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import datasets
import pytest

from align.data import (
    CorpusSource,
    ReadStats,
    SentencePair,
    detect_format,
    read_delimited,
    read_hf_dataset,
    read_jsonl,
    read_moses,
    read_source,
    read_tmx,
)
from align.data.layout import corpora_in
from align.errors import AlignError, InputFormatError
from tests.conftest import PAIRS, write_moses

EXPECTED = [SentencePair(en, zh) for en, zh in PAIRS]


def test_moses_reads_aligned_lines(moses_dir: Path) -> None:
    pairs = list(read_moses(moses_dir / "tiny.en-zh.en", moses_dir / "tiny.en-zh.zh"))
    assert pairs == EXPECTED


def test_moses_directory_finds_either_name_order_and_gzip_and_ignores_other_files(tmp_path: Path) -> None:
    write_moses(tmp_path, PAIRS[:2], name="a", order="en-zh")
    write_moses(tmp_path / "sub", PAIRS[2:4], name="b", order="zh-en")
    for lang in ("en", "zh"):
        plain = tmp_path / f"a.en-zh.{lang}"
        with gzip.open(tmp_path / f"c.en-zh.{lang}.gz", "wt", encoding="utf-8") as handle:
            handle.write(plain.read_text(encoding="utf-8"))
    (tmp_path / "a.en-zh.origin").write_text("tatoeba\ntatoeba\n", encoding="utf-8")
    found = [corpus.oriented("en")[:2] for corpus in corpora_in(tmp_path)]
    assert [(s.name, t.name) for s, t in found] == [
        ("a.en-zh.en", "a.en-zh.zh"),
        ("c.en-zh.en.gz", "c.en-zh.zh.gz"),
        ("b.zh-en.en", "b.zh-en.zh"),
    ]
    assert list(read_moses(*found[1])) == EXPECTED[:2]
    assert list(read_moses(*found[2])) == EXPECTED[2:4]


def test_moses_line_count_mismatch_gives_both_counts(moses_dir: Path) -> None:
    zh = moses_dir / "tiny.en-zh.zh"
    zh.write_text(zh.read_text(encoding="utf-8") + "多余的一行。\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"has 6 lines but .*tiny.en-zh.zh has 7"):
        list(read_moses(moses_dir / "tiny.en-zh.en", zh))


def test_undecodable_line_is_an_error_naming_file_and_line_or_a_counted_skip(moses_dir: Path) -> None:
    en = moses_dir / "tiny.en-zh.en"
    lines = en.read_bytes().split(b"\n")
    lines[2] = b"Where is the \xff\xfe station?"
    en.write_bytes(b"\n".join(lines))
    with pytest.raises(InputFormatError, match=r"tiny.en-zh.en:3: not valid UTF-8"):
        list(read_moses(en, moses_dir / "tiny.en-zh.zh"))
    stats = ReadStats()
    pairs = list(read_moses(en, moses_dir / "tiny.en-zh.zh", skip_bad_lines=True, stats=stats))
    assert stats.undecodable == 1
    assert pairs == EXPECTED[:2] + EXPECTED[3:]  # the partner line is dropped too: alignment is kept


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputFormatError, match=r"nope.en-zh.en: no such file"):
        list(read_moses(tmp_path / "nope.en-zh.en", tmp_path / "nope.en-zh.zh"))


def test_tmx_takes_segments_by_language_with_region_tags(tmp_path: Path) -> None:
    units = "".join(
        f'<tu><tuv xml:lang="en-US"><seg>{en}</seg></tuv><tuv xml:lang="ZH"><seg>{zh}</seg></tuv></tu>'
        for en, zh in PAIRS[:3]
    )
    units += '<tu><tuv xml:lang="en"><seg>Only English</seg></tuv></tu>'
    path = tmp_path / "memory.tmx"
    path.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?><tmx version="1.4"><header/><body>{units}</body></tmx>',
        encoding="utf-8",
    )
    pairs = list(read_tmx(path, "en", "zh"))
    assert pairs == [*EXPECTED[:3], SentencePair("Only English", "")]


def test_malformed_tmx_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.tmx"
    path.write_text(
        '<tmx>\n<body>\n<tu><tuv xml:lang="en"><seg>Hi</tuv></tu>\n</body></tmx>', encoding="utf-8"
    )
    with pytest.raises(InputFormatError, match=r"broken.tmx:3: malformed TMX"):
        list(read_tmx(path, "en", "zh"))


def test_tsv_by_index_and_csv_by_header_name(tmp_path: Path) -> None:
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("".join(f"{i}\t{en}\t{zh}\n" for i, (en, zh) in enumerate(PAIRS)), encoding="utf-8")
    assert list(read_delimited(tsv, ("1", "2"), delimiter="\t")) == EXPECTED
    csv_path = tmp_path / "pairs.csv"
    csv_path.write_text(
        "id,zh,en\n" + "".join(f'{i},{zh},"{en}"\n' for i, (en, zh) in enumerate(PAIRS)), encoding="utf-8"
    )
    assert list(read_delimited(csv_path, ("en", "zh"), delimiter=",")) == EXPECTED


def test_tsv_short_row_and_unknown_column_are_named(tmp_path: Path) -> None:
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("a\tb\nonly one column\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"pairs.tsv:2: expected at least 2 columns, found 1"):
        list(read_delimited(tsv, ("0", "1"), delimiter="\t"))
    with pytest.raises(InputFormatError, match=r"pairs.tsv:1: no column named 'fr'"):
        list(read_delimited(tsv, ("a", "fr"), delimiter="\t"))


def test_jsonl_nested_translation_keys_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    path.write_text(
        "".join(
            json.dumps({"translation": {"en": en, "zh": zh}}, ensure_ascii=False) + "\n" for en, zh in PAIRS
        ),
        encoding="utf-8",
    )
    source = CorpusSource(str(path), "en", "zh", "jsonl")
    assert list(read_source(source)) == EXPECTED
    path.write_text('{"en": "Hi", "zh": "你好"}\n{"en": "Bye"\n', encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"pairs.jsonl:2: invalid JSON"):
        list(read_jsonl(path, ("en", "zh")))
    path.write_text('{"en": "Hi", "zh": "你好"}\n{"en": "Bye"}\n', encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"pairs.jsonl:2: no key 'zh'"):
        list(read_jsonl(path, ("en", "zh")))


def test_hf_dataset_saved_to_disk(tmp_path: Path) -> None:
    dataset = datasets.Dataset.from_dict({"translation": [{"en": en, "zh": zh} for en, zh in PAIRS]})
    dataset.save_to_disk(str(tmp_path / "saved"))
    assert detect_format(tmp_path / "saved") == "hf"
    source = CorpusSource(str(tmp_path / "saved"), "en", "zh", "hf")
    assert list(read_source(source)) == EXPECTED
    flat = datasets.Dataset.from_dict({"english": [e for e, _ in PAIRS], "chinese": [z for _, z in PAIRS]})
    flat.save_to_disk(str(tmp_path / "flat"))
    assert list(read_hf_dataset(str(tmp_path / "flat"), ("english", "chinese"))) == EXPECTED


def test_hub_dataset_offline_says_how_to_use_local_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(AlignError, match=r"Offline, pass local files with --data PATH"):
        list(
            read_hf_dataset("some-org/no-such-dataset", ("translation.en", "translation.zh"), config="en-zh")
        )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("memory.tmx", "tmx"),
        ("memory.tmx.gz", "tmx"),
        ("p.tsv", "tsv"),
        ("p.csv", "csv"),
        ("p.jsonl", "jsonl"),
        ("bible.en-zh.en", "moses"),
        ("bible.en-zh.zh.gz", "moses"),
    ],
)
def test_format_detection(tmp_path: Path, name: str, expected: str) -> None:
    assert detect_format(tmp_path / name) == expected


def test_unknown_format_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputFormatError, match=r"corpus.txt: cannot tell the corpus format.*--format"):
        detect_format(tmp_path / "corpus.txt")
    with pytest.raises(AlignError, match=r"unknown corpus format 'xml'"):
        list(read_source(CorpusSource("x", "en", "zh", "xml")))
