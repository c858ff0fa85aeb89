"""Parallel corpora: readers, cleaning, the ``--pairs`` registry and the training dataset."""

from align.data.cleaning import CleaningConfig, CleaningStats, clean_pairs, word_length
from align.data.corpus import build_pair_dataset, split_train_dev
from align.data.readers import (
    FORMATS,
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
from align.data.registry import default_data_dir, parse_language_pairs, resolve_sources

__all__ = [
    "FORMATS",
    "CleaningConfig",
    "CleaningStats",
    "CorpusSource",
    "ReadStats",
    "SentencePair",
    "build_pair_dataset",
    "clean_pairs",
    "default_data_dir",
    "detect_format",
    "parse_language_pairs",
    "read_delimited",
    "read_hf_dataset",
    "read_jsonl",
    "read_moses",
    "read_source",
    "read_tmx",
    "resolve_sources",
    "split_train_dev",
    "word_length",
]
