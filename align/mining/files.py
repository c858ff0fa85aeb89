"""Mine a bitext from two monolingual text files: read, encode, mine, calibrate, write a TSV.

The output follows LASER: ``score<TAB>source<TAB>target`` per line, best first, optionally with
the two 1-based line numbers appended. Whitespace runs become single spaces, blank lines are
skipped (and counted); with ``unify`` repeated lines are encoded once, as LASER's ``--unify`` does.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from align.coverage import warn_about_unknown_scripts
from align.embedding.loading import as_embedder
from align.encode import PROGRESS_FROM, Encoder, encode_to_memory_or_npy, load_embeddings
from align.errors import AlignError, InputFormatError
from align.files import MAX_LINE_CHARS, LineGuard, iter_lines
from align.lid.config import LidConfig
from align.lid.pairs import PairLanguageCheck
from align.mining.config import MiningConfig
from align.mining.evaluation import Calibration, calibrate_threshold
from align.mining.margin import MinedPairs, mine
from align.model_source import check_model_source
from align.outputs import atomic_path, check_output
from align.progress import step_bar
from align.sentences import Collection, read_collection

logger = logging.getLogger(__name__)


def collection_embeddings(
    model: Encoder | None, collection: Collection, embeddings_path: str | None, work_dir: Path, name: str
) -> np.ndarray:
    """Embeddings for the collection's rows: from an ``align embed`` file, or encoded now."""
    if embeddings_path is not None:
        matrix = load_embeddings(embeddings_path)
        if matrix.shape[0] != collection.total_lines:
            raise InputFormatError(
                embeddings_path,
                f"has shape {matrix.shape}, but {collection.path} has "
                f"{collection.total_lines} lines: it needs one row per line (align embed)",
            )
        return np.asarray(matrix[np.asarray(collection.line_numbers) - 1], dtype=np.float32)
    if model is None:
        raise AlignError(f"no model to encode {collection.path} with, and no embeddings given for it")
    warn_about_unknown_scripts(model, collection.texts, collection.path)
    return encode_to_memory_or_npy(model, collection.texts, work_dir / f"{name}.npy")


class SentenceRows(Protocol):
    """One side of a mining run, as the gold reader and the TSV writer need it: an in-memory
    :class:`~align.sentences.Collection`, or the shards of a sharded run."""

    @property
    def path(self) -> str: ...

    @property
    def row_of_line(self) -> Mapping[int, int]: ...

    @property
    def count(self) -> int: ...

    def read(self, rows: np.ndarray) -> Iterator[tuple[str, int]]:
        """(sentence, 1-based line) of each row, in the order given."""
        ...


@dataclass(frozen=True)
class CollectionRows:
    """A :class:`~align.sentences.Collection` as :class:`SentenceRows`."""

    collection: Collection

    @property
    def path(self) -> str:
        return self.collection.path

    @property
    def row_of_line(self) -> Mapping[int, int]:
        return self.collection.row_of_line

    @property
    def count(self) -> int:
        return len(self.collection.texts)

    def read(self, rows: np.ndarray) -> Iterator[tuple[str, int]]:
        texts, lines = self.collection.texts, self.collection.line_numbers
        return ((texts[row], lines[row]) for row in rows.tolist())


def read_gold_lines(path: str | os.PathLike) -> list[tuple[int, int, int]]:
    """Gold pairs as written, ``source_line<TAB>target_line`` (1-based): (gold line, source line,
    target line) each, checked for form alone, so that it can be done before anything loads."""
    pairs = []
    for number, text in iter_lines(path, hint=None):
        if not text or not text.strip():
            continue
        parts = text.split("\t")
        if len(parts) != 2 or not all(part.strip().isdigit() for part in parts):
            raise InputFormatError(path, "expected two line numbers separated by a tab", number)
        pairs.append((number, int(parts[0]), int(parts[1])))
    if not pairs:
        raise AlignError(f"{path}: no gold pairs")
    return pairs


def _missing_line_error(
    path: str | os.PathLike, number: int, source: str, target: str, lines: tuple[int, int]
) -> InputFormatError:
    return InputFormatError(
        path, f"line {lines[0]} of {source} or line {lines[1]} of {target} is blank or out of range", number
    )


def read_gold(path: str | os.PathLike, source: SentenceRows, target: SentenceRows) -> set[tuple[int, int]]:
    """Gold pairs (:func:`read_gold_lines`) mapped to collection rows."""
    gold = set()
    source_rows, target_rows = source.row_of_line, target.row_of_line
    for number, source_line, target_line in read_gold_lines(path):
        if source_line not in source_rows or target_line not in target_rows:
            raise _missing_line_error(path, number, source.path, target.path, (source_line, target_line))
        gold.add((source_rows[source_line], target_rows[target_line]))
    return gold


def check_gold(
    path: str | os.PathLike,
    source_path: str,
    target_path: str,
    *,
    skip_bad_lines: bool = False,
    max_chars: int = MAX_LINE_CHARS,
) -> None:
    """Fail now if :func:`read_gold` would fail once the inputs are mined: for a run that reads its
    inputs only shard by shard, after hours of encoding. Reads the two inputs once, line by line."""
    pairs = read_gold_lines(path)
    sentences = []
    for side, input_path in ((1, source_path), (2, target_path)):
        wanted, found, guard = {pair[side] for pair in pairs}, set(), LineGuard(max_chars)
        for number, text in iter_lines(input_path, skip_undecodable=skip_bad_lines):
            if number in wanted and text is not None and guard.sentence(text):
                found.add(number)
        sentences.append(found)
    for number, source_line, target_line in pairs:
        if source_line not in sentences[0] or target_line not in sentences[1]:
            raise _missing_line_error(path, number, source_path, target_path, (source_line, target_line))


@dataclass
class MiningReport:
    pairs: MinedPairs  # everything mined, before the threshold
    written: int
    threshold: float | None
    calibration: Calibration | None
    sizes: tuple[int, int]  # sentences mined on each side
    warnings: list[str]  # things the user should know: the result is written, but may mislead
    output: str
    gold_path: str | None
    notes: list[str] = field(default_factory=list)  # how the run went (a sharded run's reuse)

    def summary_lines(self) -> list[str]:
        """What ``align mine`` prints: warnings first, then the calibration and what was written."""
        lines = [f"warning: {warning}" for warning in self.warnings] + self.notes
        if self.calibration is not None:
            c = self.calibration
            lines.append(
                f"Calibrated on {self.gold_path}: threshold {c.threshold:.4f} gives precision "
                f"{c.precision:.1f} %, recall {c.recall:.1f} %, F1 {c.f1:.1f} %"
            )
        kept = f" at threshold {self.threshold:.4f}" if self.threshold is not None else ""
        lines.append(
            f"Wrote {self.written:,} pairs{kept} to {self.output} "
            f"({self.sizes[0]:,} × {self.sizes[1]:,} sentences)."
        )
        return lines


# Below this calibrated precision, the gold pairs probably do not list every true pair: the best-F1
# threshold then counts unlisted translations as errors and means nothing.
LOW_CALIBRATED_PRECISION = 50.0


def gold_warning(calibration: Calibration, gold: set[tuple[int, int]], sizes: tuple[int, int]) -> str | None:
    """A warning when the calibration says the gold file is incomplete (or the model is lost)."""
    if calibration.precision >= LOW_CALIBRATED_PRECISION:
        return None
    coverage = 100 * len(gold) / min(sizes)
    return (
        f"at the calibrated threshold only {calibration.precision:.1f} % of the mined pairs are gold "
        f"pairs. --gold must list every true pair in the two files (it lists {len(gold):,}, "
        f"covering {coverage:.1f} % of the smaller file); with a partial list the threshold is "
        "meaningless: pass --threshold instead. If the list is complete, the model does not "
        "find these translations."
    )


def mine_files(
    model: Encoder | str | None,
    source_path: str,
    target_path: str,
    output: str | os.PathLike,
    config: MiningConfig | None = None,
    *,
    gold_path: str | None = None,
    unify: bool = False,
    line_numbers: bool = False,
    source_embeddings: str | None = None,
    target_embeddings: str | None = None,
    skip_bad_lines: bool = False,
    max_chars: int = MAX_LINE_CHARS,
    force: bool = False,
    languages: LidConfig | None = None,
) -> MiningReport:
    """Mine ``source_path`` × ``target_path`` into a TSV at ``output``, as ``config`` says.

    With ``gold_path`` the threshold that maximises F1 on those gold pairs is found and used,
    unless ``config.threshold`` is given too. ``output`` is checked (:func:`align.outputs.check_output`)
    before anything is read, so a bad path fails at once rather than after the encoding. Both
    collections are held in memory; :mod:`align.mining.sharded` mines inputs of any size. With
    ``languages`` naming a side's language, mined pairs identified as another are dropped.
    ``model`` may be a name or path: it loads once the inputs and the gold pairs have been read and
    checked, so a mistake in them is reported at once.
    """
    config = config or MiningConfig()
    inputs = [source_path, target_path, gold_path, source_embeddings, target_embeddings]
    check_output(output, force=force, inputs=inputs)
    check_model_source(model)
    check = PairLanguageCheck.from_config(languages) if languages else None  # a missing model fails now
    reading = {"unify": unify, "skip_bad_lines": skip_bad_lines, "max_chars": max_chars}
    source = read_collection(source_path, **reading)
    target = read_collection(target_path, **reading)
    warnings = [*source.warnings(), *target.warnings()]
    for collection in (source, target):
        logger.info(
            "%s: %d sentences (%d blank lines skipped, %d repeats unified)",
            collection.path,
            len(collection.texts),
            collection.blank,
            collection.duplicates,
        )
    sides = CollectionRows(source), CollectionRows(target)
    gold = read_gold(gold_path, *sides) if gold_path else None
    if model is not None and (source_embeddings is None or target_embeddings is None):
        model = as_embedder(model)
    many = max(len(source.texts), len(target.texts)) > PROGRESS_FROM
    with (
        tempfile.TemporaryDirectory(prefix="align-mine-") as work,
        step_bar("Mining", 5, enabled=many) as step,
    ):
        step(f"embedding {len(source.texts):,} source sentences")
        source_matrix = collection_embeddings(model, source, source_embeddings, Path(work), "source")
        step(f"embedding {len(target.texts):,} target sentences")
        target_matrix = collection_embeddings(model, target, target_embeddings, Path(work), "target")
        pairs = mine(source_matrix, target_matrix, replace(config, threshold=None), on_step=step)
    return keep_and_write(pairs, sides, output, config, gold, gold_path, line_numbers, warnings, check)


def keep_and_write(
    pairs: MinedPairs,
    sides: tuple[SentenceRows, SentenceRows],
    output: str | os.PathLike,
    config: MiningConfig,
    gold: set[tuple[int, int]] | None,
    gold_path: str | None,
    line_numbers: bool,
    warnings: list[str],
    languages: PairLanguageCheck | None = None,
) -> MiningReport:
    """The end of every mining run: calibrate on ``gold``, apply the threshold, drop the pairs in
    the wrong language (with ``languages``), write the TSV."""
    sizes = (sides[0].count, sides[1].count)
    calibration = calibrate_threshold(pairs, gold) if gold else None
    if calibration is not None and (warning := gold_warning(calibration, gold, sizes)):
        warnings.append(warning)
    threshold = config.threshold
    if threshold is None and calibration is not None:
        threshold = calibration.threshold
    kept = pairs if threshold is None else pairs.above(threshold)
    notes = []
    if languages is not None:
        kept = in_expected_languages(kept, sides, languages)
        notes.append(f"Language ID: {languages.summary()}.")
    write_pairs_tsv(kept, *sides, output, line_numbers=line_numbers)
    return MiningReport(
        pairs, len(kept), threshold, calibration, sizes, warnings, str(output), gold_path, notes
    )


def in_expected_languages(
    pairs: MinedPairs, sides: tuple[SentenceRows, SentenceRows], languages: PairLanguageCheck
) -> MinedPairs:
    """The pairs whose sides ``languages`` accepts, read and identified a chunk at a time."""
    keep = np.ones(len(pairs), dtype=bool)
    for start in range(0, len(pairs), WRITE_CHUNK):
        stop = start + WRITE_CHUNK
        sources = [text for text, _ in sides[0].read(pairs.source_ids[start:stop])]
        targets = [text for text, _ in sides[1].read(pairs.target_ids[start:stop])]
        keep[start:stop] = [reason is None for reason in languages.reasons(sources, targets)]
    return MinedPairs(pairs.source_ids[keep], pairs.target_ids[keep], pairs.scores[keep])


WRITE_CHUNK = 100_000  # pairs whose texts are read back at a time


def write_pairs_tsv(
    pairs: MinedPairs,
    source: SentenceRows,
    target: SentenceRows,
    output: str | os.PathLike,
    *,
    line_numbers: bool,
) -> None:
    with atomic_path(output) as tmp, open(tmp, "w", encoding="utf-8") as handle:
        for start in range(0, len(pairs), WRITE_CHUNK):
            stop = start + WRITE_CHUNK
            rows = zip(
                source.read(pairs.source_ids[start:stop]),
                target.read(pairs.target_ids[start:stop]),
                pairs.scores[start:stop].tolist(),
                strict=True,
            )
            for (source_text, source_line), (target_text, target_line), score in rows:
                row = f"{score:.6f}\t{source_text}\t{target_text}"
                if line_numbers:
                    row += f"\t{source_line}\t{target_line}"
                handle.write(row + "\n")
