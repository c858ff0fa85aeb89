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
    train_a, dev_a = split_train_dev(dataset, dev_size=10, seed=1)
    _, dev_b = split_train_dev(dataset, dev_size=10, seed=1)
    assert dev_a is not None and dev_b is not None
    assert len(train_a) == 90 and dev_a["source"] == dev_b["source"]
    assert not set(dev_a["source"]) & set(train_a["source"])
    _, dev_capped = split_train_dev(dataset, dev_size=1000, seed=1)
    assert dev_capped is not None and len(dev_capped) == 10  # never more than a tenth


def test_corpus_with_nothing_usable_is_an_error(tmp_path: Path) -> None:
    sources = resolve_sources("en-zh", write_moses(tmp_path / "c", [("same", "same"), ("", "空")]))
    with pytest.raises(AlignError, match=r"no usable sentence pairs .*identical sides 1"):
        build_pair_dataset(sources, tmp_path / "work")


def test_fixture_pairs_survive_default_cleaning() -> None:
    stats = CleaningStats()
    assert len(list(clean_pairs([SentencePair(*p) for p in PAIRS], CleaningConfig(), stats))) == len(PAIRS)
