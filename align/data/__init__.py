"""Parallel corpora: readers, cleaning, the ``--pairs`` registry and the training dataset.

Names are imported on first use: the command line reads :class:`CleaningConfig` without loading
``datasets``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from align.lazy import lazy_exports

if TYPE_CHECKING:
    from align.data.cleaning import CleaningConfig, CleaningStats, clean_pair, clean_pairs, word_length
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
        read_numbered,
        read_source,
        read_tmx,
    )
    from align.data.registry import bitext_source, default_data_dir, parse_language_pairs, resolve_sources

__getattr__, __all__ = lazy_exports(__name__, __file__)
