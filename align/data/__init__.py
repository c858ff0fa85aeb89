"""Parallel corpora: readers, cleaning, the ``--pairs`` registry and the training dataset.

Names are imported on first use: the command line reads :class:`CleaningConfig` without loading
``datasets``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from align.lazy import lazy_exports

_EXPORTS = {
    "FORMATS": "align.data.readers",
    "CleaningConfig": "align.data.cleaning",
    "CleaningStats": "align.data.cleaning",
    "CorpusSource": "align.data.readers",
    "ReadStats": "align.data.readers",
    "SentencePair": "align.data.readers",
    "build_pair_dataset": "align.data.corpus",
    "clean_pairs": "align.data.cleaning",
    "default_data_dir": "align.data.registry",
    "detect_format": "align.data.readers",
    "parse_language_pairs": "align.data.registry",
    "read_delimited": "align.data.readers",
    "read_hf_dataset": "align.data.readers",
    "read_jsonl": "align.data.readers",
    "read_moses": "align.data.readers",
    "read_source": "align.data.readers",
    "read_tmx": "align.data.readers",
    "resolve_sources": "align.data.registry",
    "split_train_dev": "align.data.corpus",
    "word_length": "align.data.cleaning",
}
__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
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

__getattr__ = lazy_exports(__name__, _EXPORTS)
