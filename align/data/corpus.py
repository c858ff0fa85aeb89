"""Turn corpora into the cleaned, split, on-disk dataset that training reads.

Pairs stream from the readers through cleaning into an Arrow file, so memory stays bounded by
one write batch however large the corpus; the resulting :class:`datasets.Dataset` is memory-mapped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import datasets
import pyarrow as pa

from align.data.cleaning import CleaningConfig, CleaningStats, clean_pairs
from align.data.readers import CorpusSource, ReadStats, SentencePair, read_source
from align.errors import AlignError
from align.outputs import atomic_path

logger = logging.getLogger(__name__)

_SCHEMA = pa.schema([("source", pa.string()), ("target", pa.string())])
_WRITE_BATCH = 50_000


def iter_sources(
    sources: Iterable[CorpusSource], *, skip_bad_lines: bool, stats: ReadStats
) -> Iterable[SentencePair]:
    for source in sources:
        logger.info(
            "Reading %s (%s, %s-%s)", source.describe(), source.format, source.source_lang, source.target_lang
        )
        yield from read_source(source, skip_bad_lines=skip_bad_lines, stats=stats)


def write_pairs_arrow(pairs: Iterable[SentencePair], path: Path) -> int:
    """Write pairs to an Arrow stream file atomically, in batches; return how many were written."""
    written = 0
    with (
        atomic_path(path) as tmp,
        pa.OSFile(str(tmp), "wb") as sink,
        pa.ipc.new_stream(sink, _SCHEMA) as writer,
    ):
        batch: list[SentencePair] = []
        for pair in pairs:
            batch.append(pair)
            if len(batch) == _WRITE_BATCH:
                writer.write_batch(_to_record_batch(batch))
                written += len(batch)
                batch = []
        if batch:
            writer.write_batch(_to_record_batch(batch))
            written += len(batch)
    return written


def _to_record_batch(batch: list[SentencePair]) -> pa.RecordBatch:
    return pa.record_batch([[p.source for p in batch], [p.target for p in batch]], schema=_SCHEMA)


def build_pair_dataset(
    sources: list[CorpusSource],
    work_dir: Path,
    *,
    cleaning: CleaningConfig | None = None,
    skip_bad_lines: bool = False,
) -> tuple[datasets.Dataset, CleaningStats, ReadStats]:
    """Read, clean and store every source as one dataset with ``source`` and ``target`` columns."""
    cleaning = cleaning or CleaningConfig()
    clean_stats, read_stats = CleaningStats(), ReadStats()
    pairs = clean_pairs(
        iter_sources(sources, skip_bad_lines=skip_bad_lines, stats=read_stats), cleaning, clean_stats
    )
    arrow_path = work_dir / "pairs.arrow"
    write_pairs_arrow(pairs, arrow_path)
    if clean_stats.kept == 0:
        raise AlignError(
            f"no usable sentence pairs in {', '.join(s.describe() for s in sources)} "
            f"({clean_stats.summary()})"
        )
    logger.info("Cleaning: %s", clean_stats.summary())
    if read_stats.undecodable:
        logger.warning("Skipped %d undecodable line pairs", read_stats.undecodable)
    return datasets.Dataset.from_file(str(arrow_path)), clean_stats, read_stats


def split_train_dev(
    dataset: datasets.Dataset, dev_size: int, seed: int
) -> tuple[datasets.Dataset, datasets.Dataset | None]:
    """Hold out ``dev_size`` pairs (at most a tenth of the data), reproducibly for a given seed."""
    dev_size = min(dev_size, len(dataset) // 10)
    if dev_size < 2:
        return dataset, None
    split = dataset.train_test_split(test_size=dev_size, seed=seed, shuffle=True)
    return split["train"], split["test"]
