"""Turn corpora into the cleaned, split, on-disk dataset that training reads.

Pairs stream from the readers through cleaning into an Arrow file, so memory stays bounded by
one write batch however large the corpus; the resulting :class:`datasets.Dataset` is memory-mapped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

import datasets
import numpy as np
import pyarrow as pa

from align.data.cleaning import CleaningConfig, CleaningStats, clean_pairs
from align.data.readers import CorpusSource, ReadStats, SentencePair, read_source
from align.errors import AlignError
from align.languages import language
from align.outputs import atomic_path

logger = logging.getLogger(__name__)

# "pair" names each row's language pair as the language table does ("en-de"): multilingual training
# balances and evaluates by it.
_SCHEMA = pa.schema([("source", pa.string()), ("target", pa.string()), ("pair", pa.string())])
_WRITE_BATCH = 50_000


def pair_key(source: CorpusSource) -> str:
    """The language pair of a corpus in the language table's codes: ``cmn``/``eng`` → ``en-zh``."""
    return f"{language(source.source_lang).tag}-{language(source.target_lang).tag}"


def iter_cleaned(
    sources: Iterable[CorpusSource],
    cleaning: CleaningConfig,
    clean_stats: CleaningStats,
    *,
    skip_bad_lines: bool,
    stats: ReadStats,
) -> Iterator[tuple[SentencePair, str]]:
    """Each kept pair with its language pair, deduplicated across all the sources."""
    seen: set[bytes] = set()
    for source in sources:
        logger.info(
            "Reading %s (%s, %s-%s)", source.describe(), source.format, source.source_lang, source.target_lang
        )
        key = pair_key(source)
        pairs = read_source(source, skip_bad_lines=skip_bad_lines, stats=stats)
        for pair in clean_pairs(pairs, cleaning, clean_stats, seen):
            yield pair, key


def write_pairs_arrow(rows: Iterable[tuple[SentencePair, str]], path: Path) -> int:
    """Write (pair, language pair) rows to an Arrow stream file atomically, in batches; return how
    many were written."""
    written = 0
    with (
        atomic_path(path) as tmp,
        pa.OSFile(str(tmp), "wb") as sink,
        pa.ipc.new_stream(sink, _SCHEMA) as writer,
    ):
        batch: list[tuple[SentencePair, str]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == _WRITE_BATCH:
                writer.write_batch(_to_record_batch(batch))
                written += len(batch)
                batch = []
        if batch:
            writer.write_batch(_to_record_batch(batch))
            written += len(batch)
    return written


def _to_record_batch(batch: list[tuple[SentencePair, str]]) -> pa.RecordBatch:
    columns = [[p.source for p, _ in batch], [p.target for p, _ in batch], [key for _, key in batch]]
    return pa.record_batch(columns, schema=_SCHEMA)


def build_pair_dataset(
    sources: list[CorpusSource],
    work_dir: Path,
    *,
    cleaning: CleaningConfig | None = None,
    skip_bad_lines: bool = False,
    name: str = "pairs.arrow",
) -> tuple[datasets.Dataset, CleaningStats, ReadStats]:
    """Read, clean and store every source as one dataset with ``source``, ``target`` and ``pair``
    (the row's language pair, e.g. ``en-de``) columns, in the file ``name`` of ``work_dir``."""
    cleaning = cleaning or CleaningConfig()
    clean_stats, read_stats = CleaningStats(), ReadStats()
    rows = iter_cleaned(sources, cleaning, clean_stats, skip_bad_lines=skip_bad_lines, stats=read_stats)
    arrow_path = work_dir / name
    write_pairs_arrow(rows, arrow_path)
    if clean_stats.kept == 0:
        raise AlignError(
            f"no usable sentence pairs in {', '.join(s.describe() for s in sources)} "
            f"({clean_stats.summary()})"
        )
    logger.info("Cleaning: %s", clean_stats.summary())
    for warning in read_stats.warnings(", ".join(s.describe() for s in sources)):
        logger.warning(warning)
    return datasets.Dataset.from_file(str(arrow_path)), clean_stats, read_stats


MIN_DEV_PER_PAIR = 50  # with many language pairs, each still gets a dev set worth a figure


def split_train_dev(
    dataset: datasets.Dataset, dev_size: int, seed: int
) -> tuple[datasets.Dataset, dict[str, datasets.Dataset]]:
    """Hold out dev pairs per language pair, reproducibly for a given seed: the train split, and
    each language pair's dev split (by its key, e.g. ``en-de``).

    ``dev_size`` is shared evenly between the language pairs, at least :data:`MIN_DEV_PER_PAIR` each,
    and at most a tenth of each pair's data; a pair left with fewer than two dev pairs has none.
    """
    keys = dataset["pair"] if "pair" in dataset.column_names else ["-"] * len(dataset)
    rows_by_pair: dict[str, list[int]] = {}
    for row, key in enumerate(keys):
        rows_by_pair.setdefault(key, []).append(row)
    if len(rows_by_pair) == 1:  # one pair: a plain random split, as before there were several
        count = min(dev_size, len(dataset) // 10)
        if count < 2:
            return dataset, {}
        split = dataset.train_test_split(test_size=count, seed=seed, shuffle=True)
        return split["train"], {next(iter(rows_by_pair)): split["test"]}
    share = max(MIN_DEV_PER_PAIR, dev_size // len(rows_by_pair))
    rng = np.random.default_rng(seed)
    dev_rows: dict[str, np.ndarray] = {}
    for key, rows in rows_by_pair.items():
        count = min(share, len(rows) // 10)
        if count >= 2:
            dev_rows[key] = np.sort(rng.choice(np.asarray(rows), size=count, replace=False))
    if not dev_rows:
        return dataset, {}
    held_out = np.zeros(len(dataset), dtype=bool)
    for rows in dev_rows.values():
        held_out[rows] = True
    train = dataset.select(np.flatnonzero(~held_out))
    return train, {key: dataset.select(rows) for key, rows in dev_rows.items()}
