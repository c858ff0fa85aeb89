"""Cleaning filters and the counts they report; the deterministic train/dev split."""

from __future__ import annotations

from pathlib import Path

import pytest

from align.data import (
    CleaningConfig,
    CleaningStats,
    SentencePair,
    build_pair_dataset,
    clean_pairs,
    resolve_sources,
    split_train_dev,
    word_length,
)
from align.errors import AlignError
from tests.conftest import PAIRS, write_moses


def test_word_length_counts_unspaced_characters_as_words() -> None:
    assert word_length("I love NLP.") == 3
    assert word_length("我热爱自然语言处理。") == 9  # nine Han characters; punctuation is not a word
    assert word_length("我爱 NLP") == 3
    assert word_length("   ") == 0


def test_each_filter_is_counted() -> None:
    pairs = [
        SentencePair("  Good   morning. ", "早上好。"),  # kept, whitespace normalised
        SentencePair("Good morning.", "早上好。"),  # duplicate after stripping
        SentencePair("", "你好"),
        SentencePair("OK", "OK"),
        SentencePair("one two three four five six seven eight nine ten", "好"),
        SentencePair(" ".join(["word"] * 12), "字" * 12),
    ]
    stats = CleaningStats()
    kept = list(clean_pairs(pairs, CleaningConfig(max_words=10), stats))
    assert kept == [SentencePair("Good morning.", "早上好。")]
    assert stats.read == 6 and stats.kept == 1
    assert dict(stats.dropped) == {
        "duplicate": 1,
        "empty side": 1,
        "identical sides": 1,
        "length ratio": 1,
        "too long": 1,
    }
    assert "read 6, kept 1" in stats.summary()


def test_filters_can_be_switched_off() -> None:
    pairs = [SentencePair("OK", "OK"), SentencePair("OK", "OK")]
    stats = CleaningStats()
    config = CleaningConfig(drop_identical=False, deduplicate=False)
    assert len(list(clean_pairs(pairs, config, stats))) == 2


def test_dataset_is_built_on_disk_and_split_reproducibly(tmp_path: Path) -> None:
    pairs = [(f"Sentence number {i}.", f"第{i}句话。") for i in range(100)]
    sources = resolve_sources("en-zh", write_moses(tmp_path / "c", pairs))
    dataset, stats, _ = build_pair_dataset(sources, tmp_path / "work")
    assert len(dataset) == 100 and stats.kept == 100
    assert (tmp_path / "work" / "pairs.arrow").is_file()
    assert set(dataset["pair"]) == {"en-zh"}
    train_a, dev_a = split_train_dev(dataset, dev_size=10, seed=1)
    dev_a, dev_b = dev_a["en-zh"], split_train_dev(dataset, dev_size=10, seed=1)[1]["en-zh"]
    assert len(train_a) == 90 and dev_a["source"] == dev_b["source"]
    assert not set(dev_a["source"]) & set(train_a["source"])
    assert len(split_train_dev(dataset, dev_size=1000, seed=1)[1]["en-zh"]) == 10  # never more than a tenth


def test_several_pairs_are_labelled_deduplicated_across_corpora_and_split_per_pair(tmp_path: Path) -> None:
    chinese = [(f"Sentence number {i}.", f"第{i}句话。") for i in range(600)]
    german = [(f"Sentence number {i}.", f"Satz Nummer {i}.") for i in range(200)]
    write_moses(tmp_path / "c" / "zh", chinese)
    write_moses(tmp_path / "c" / "again", chinese[:50], name="copy")  # the same pairs again
    (tmp_path / "c" / "de").mkdir()
    (tmp_path / "c" / "de" / "g.eng-deu.eng").write_text("".join(f"{e}\n" for e, _ in german), "utf-8")
    (tmp_path / "c" / "de" / "g.eng-deu.deu").write_text("".join(f"{d}\n" for _, d in german), "utf-8")
    dataset, stats, _ = build_pair_dataset(resolve_sources("en-*", tmp_path / "c"), tmp_path / "work")
    assert stats.dropped["duplicate"] == 50 and len(dataset) == 800
    assert dataset["pair"].count("en-de") == 200 and dataset["pair"].count("en-zh") == 600
    train, dev = split_train_dev(dataset, dev_size=100, seed=3)
    # 100 shared by two pairs is 50 each, the floor; German is capped at a tenth of its 200 pairs.
    assert {key: len(split) for key, split in dev.items()} == {"en-de": 20, "en-zh": 50}
    assert len(train) == 730 and set(dev["en-de"]["pair"]) == {"en-de"}
    held_out = set(dev["en-de"]["target"]) | set(dev["en-zh"]["target"])
    assert not held_out & set(train["target"])


def test_corpus_with_nothing_usable_is_an_error(tmp_path: Path) -> None:
    sources = resolve_sources("en-zh", write_moses(tmp_path / "c", [("same", "same"), ("", "空")]))
    with pytest.raises(AlignError, match=r"no usable sentence pairs .*identical sides 1"):
        build_pair_dataset(sources, tmp_path / "work")


def test_fixture_pairs_survive_default_cleaning() -> None:
    stats = CleaningStats()
    assert len(list(clean_pairs([SentencePair(*p) for p in PAIRS], CleaningConfig(), stats))) == len(PAIRS)
