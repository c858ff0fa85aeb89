"""BUCC-style mining F1 (Zweigenbaum et al. 2017/2018), in the shared task's own file layout.

A split ``NAME`` of language pair ``xx-yy`` is three files in one directory:

- ``xx-yy.NAME.xx`` and ``xx-yy.NAME.yy``: ``ID<TAB>sentence`` per line;
- ``xx-yy.NAME.gold``: ``xx-ID<TAB>yy-ID`` per line, every true pair in the split.

The threshold is calibrated on one split (``training`` in BUCC) and applied to another (``test``),
whose oracle F1 (threshold tuned on the test split itself) is reported beside it, labelled as such.
:func:`write_bucc_split` builds such a split from any parallel corpus plus unpaired sentences.
"""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from align.encode import Encoder, encode_texts
from align.errors import AlignError, InputFormatError
from align.files import iter_lines
from align.mining import (
    CandidateMode,
    MarginKind,
    PrecisionRecallCurve,
    calibrate_threshold,
    mine,
    precision_recall_curve,
    precision_recall_f1,
)
from align.outputs import atomic_path, check_output


@dataclass
class BuccSplit:
    source_ids: list[str]
    source_texts: list[str]
    target_ids: list[str]
    target_texts: list[str]
    gold: set[tuple[int, int]]  # (source row, target row)


def read_id_sentences(path: Path) -> tuple[list[str], list[str]]:
    ids, texts, seen = [], [], set()
    for number, line in iter_lines(path, hint=None):
        if not line:
            continue
        identifier, tab, text = line.partition("\t")
        if not tab or not identifier:
            raise InputFormatError(path, "expected ID<TAB>sentence", number)
        if identifier in seen:
            raise InputFormatError(path, f"ID {identifier!r} appears twice", number)
        seen.add(identifier)
        ids.append(identifier)
        texts.append(text)
    if not ids:
        raise InputFormatError(path, "no sentences")
    return ids, texts


def read_bucc_split(directory: str | Path, pair: str, split: str) -> BuccSplit:
    source, target = pair.split("-")
    directory = Path(directory)
    source_ids, source_texts = read_id_sentences(directory / f"{pair}.{split}.{source}")
    target_ids, target_texts = read_id_sentences(directory / f"{pair}.{split}.{target}")
    source_row = {identifier: row for row, identifier in enumerate(source_ids)}
    target_row = {identifier: row for row, identifier in enumerate(target_ids)}
    gold_path = directory / f"{pair}.{split}.gold"
    gold = set()
    for number, line in iter_lines(gold_path, hint=None):
        if not line:
            continue
        parts = line.split("\t")
        if len(parts) != 2:
            raise InputFormatError(gold_path, "expected SOURCE-ID<TAB>TARGET-ID", number)
        if parts[0] not in source_row or parts[1] not in target_row:
            raise InputFormatError(gold_path, f"unknown ID in {line!r}", number)
        gold.add((source_row[parts[0]], target_row[parts[1]]))
    if not gold:
        raise InputFormatError(gold_path, "no gold pairs")
    return BuccSplit(source_ids, source_texts, target_ids, target_texts, gold)


@dataclass(frozen=True)
class BuccResult:
    threshold: float  # calibrated on the tuning split
    precision: float
    recall: float
    f1: float
    oracle_threshold: float  # tuned on the test split itself: an upper bound, not a result
    oracle_f1: float
    curve: PrecisionRecallCurve  # on the test split, for plots

    def summary(self) -> dict[str, float]:
        return {
            "threshold": self.threshold,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "oracle_threshold": self.oracle_threshold,
            "oracle_f1": self.oracle_f1,
        }


def evaluate_bucc(
    model: Encoder,
    tune: BuccSplit,
    test: BuccSplit,
    *,
    k: int = 4,
    kind: MarginKind = "ratio",
    mode: CandidateMode = "max",
    factory: str | None = None,
) -> BuccResult:
    """Calibrate a threshold on ``tune``, apply it to ``test``; also the oracle F1 on ``test``."""

    def mined(split: BuccSplit):
        return mine(
            encode_texts(model, split.source_texts),
            encode_texts(model, split.target_texts),
            k=k,
            kind=kind,
            mode=mode,
            factory=factory,
        )

    threshold = calibrate_threshold(mined(tune), tune.gold).threshold
    test_pairs = mined(test)
    precision, recall, f1 = precision_recall_f1(test_pairs.above(threshold), test.gold)
    oracle = calibrate_threshold(test_pairs, test.gold)
    curve = precision_recall_curve(test_pairs, test.gold)
    return BuccResult(threshold, precision, recall, f1, oracle.threshold, oracle.f1, curve)


def write_bucc_split(
    directory: str | Path,
    pair: str,
    split: str,
    pairs: Sequence[tuple[str, str]],
    unpaired_source: Sequence[str],
    unpaired_target: Sequence[str],
    seed: int = 0,
    *,
    force: bool = False,
    inputs: Sequence[str | os.PathLike] = (),
) -> None:
    """Write a split in BUCC's layout: the pairs hidden among unpaired sentences, both sides shuffled.

    The caller must make sure no unpaired sentence has its translation on the other side. Its three
    files are checked before any is written: none may be an input, nor exist without ``force``.
    """
    if not pairs:
        raise AlignError("a BUCC split needs at least one sentence pair")
    source, target = pair.split("-")
    for language in (source, target, "gold"):
        check_output(Path(directory) / f"{pair}.{split}.{language}", force=force, inputs=inputs)
    rng = random.Random(seed)
    source_items = [(text, index) for index, (text, _) in enumerate(pairs)] + [
        (t, None) for t in unpaired_source
    ]
    target_items = [(text, index) for index, (_, text) in enumerate(pairs)] + [
        (t, None) for t in unpaired_target
    ]
    rng.shuffle(source_items)
    rng.shuffle(target_items)
    directory = Path(directory)
    source_id = {}
    target_id = {}
    for items, language, ids in ((source_items, source, source_id), (target_items, target, target_id)):
        with (
            atomic_path(directory / f"{pair}.{split}.{language}") as tmp,
            open(tmp, "w", encoding="utf-8") as out,
        ):
            for row, (text, index) in enumerate(items, start=1):
                identifier = f"{language}-{row:09d}"
                out.write(f"{identifier}\t{' '.join(text.split())}\n")
                if index is not None:
                    ids[index] = identifier
    with atomic_path(directory / f"{pair}.{split}.gold") as tmp, open(tmp, "w", encoding="utf-8") as out:
        for index in range(len(pairs)):
            out.write(f"{source_id[index]}\t{target_id[index]}\n")
