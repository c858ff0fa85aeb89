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
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from align.bench.cache import ResultCache
from align.bench.task import Task, TaskMetadata, TaskResult
from align.embedding.protocol import Embedder
from align.errors import AlignError, InputFormatError
from align.files import iter_lines
from align.mining.config import MiningConfig
from align.mining.evaluation import (
    PrecisionRecallCurve,
    calibrate_threshold,
    precision_recall_curve,
    precision_recall_f1,
)
from align.mining.margin import MinedPairs, mine
from align.outputs import atomic_path, check_output
from align.progress import step_bar


def _languages(pair: str) -> tuple[str, str]:
    languages = pair.split("-")
    if len(languages) != 2 or not all(languages):
        raise AlignError(f"--pair {pair!r}: give two language codes joined by a hyphen, e.g. de-en")
    return languages[0], languages[1]


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
    source, target = _languages(pair)
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
    pair: str
    threshold: float  # calibrated on the tuning split
    precision: float
    recall: float
    f1: float
    oracle_threshold: float  # tuned on the test split itself: an upper bound, not a result
    oracle_f1: float
    curve: PrecisionRecallCurve  # on the test split, for plots

    @property
    def main_score(self) -> float:
        return self.f1

    def summary(self) -> dict[str, float]:
        return {
            "threshold": self.threshold,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "oracle_threshold": self.oracle_threshold,
            "oracle_f1": self.oracle_f1,
        }

    def to_json(self) -> dict[str, Any]:
        return {"result": self.summary()}

    def rows(self) -> list[tuple[str, list[str]]]:
        cells = [self.threshold, self.precision, self.recall, self.f1, self.oracle_f1]
        return [(self.pair, [f"{cells[0]:.4f}", *(f"{value:.1f}" for value in cells[1:])])]


def evaluate_bucc(
    embed: Embedder,
    tune: BuccSplit,
    test: BuccSplit,
    config: MiningConfig | None = None,
    pair: str = "",
    *,
    split_names: tuple[str, str] = ("tune", "test"),
) -> BuccResult:
    """Calibrate a threshold on ``tune``, apply it to ``test``; also the oracle F1 on ``test``.

    ``config`` sets how pairs are mined; its ``threshold`` is ignored (the split calibrates one).
    Each split shows a bar over its steps (:func:`mine_split`), named by ``split_names``.
    """
    config = replace(config or MiningConfig(), threshold=None)
    named = pair.split("-")
    languages = (named[0], named[1]) if len(named) == 2 and all(named) else ("source", "target")
    label = f"BUCC {pair} " if pair else "BUCC "
    threshold = calibrate_threshold(
        mine_split(embed, tune, config, languages, f"{label}{split_names[0]}"), tune.gold
    ).threshold
    test_pairs = mine_split(embed, test, config, languages, f"{label}{split_names[1]}")
    precision, recall, f1 = precision_recall_f1(test_pairs.above(threshold), test.gold)
    oracle = calibrate_threshold(test_pairs, test.gold)
    curve = precision_recall_curve(test_pairs, test.gold)
    return BuccResult(pair, threshold, precision, recall, f1, oracle.threshold, oracle.f1, curve)


def mine_split(
    embed: Embedder,
    split: BuccSplit,
    config: MiningConfig,
    languages: tuple[str, str] = ("source", "target"),
    description: str = "BUCC",
) -> MinedPairs:
    """:func:`align.mining.margin.mine` of the split's two sides under a bar naming each step as it
    starts: encoding either side, the k-NN search either way, the margin scoring."""
    with step_bar(description, 5) as step:
        step(f"encoding {len(split.source_texts):,} {languages[0]} sentences")
        source = embed(split.source_texts)
        step(f"encoding {len(split.target_texts):,} {languages[1]} sentences")
        target = embed(split.target_texts)
        return mine(source, target, config, on_step=step)


class BuccTask(Task):
    """Mining F1 on one language pair: threshold from ``tune_split``, F1 on ``test_split``."""

    def __init__(
        self,
        data_dir: str | os.PathLike,
        pair: str,
        *,
        tune_split: str = "training",
        test_split: str = "test",
        mining: MiningConfig | None = None,
    ) -> None:
        self.mining = mining or MiningConfig()  # evaluate_bucc ignores its threshold: a split calibrates one
        self.pair = pair
        self.tune_split, self.test_split = tune_split, test_split
        self.tune = read_bucc_split(data_dir, pair, tune_split)
        self.test = read_bucc_split(data_dir, pair, test_split)
        mining_settings = {key: value for key, value in asdict(self.mining).items() if key != "threshold"}
        self.metadata = TaskMetadata(
            name="bucc",
            description="BUCC-style mining F1, the threshold calibrated on another split",
            data=str(data_dir),
            languages=tuple(pair.split("-")),
            main_score="F1 (%)",
            row_header="pair",
            columns=(f"threshold (from {tune_split})", "precision", "recall", "F1", "oracle F1"),
            settings={"pair": pair, "tune_split": tune_split, "test_split": test_split, **mining_settings},
        )

    def evaluate(self, embed: Embedder, cache: ResultCache | None = None) -> BuccResult:
        return evaluate_bucc(
            embed,
            self.tune,
            self.test,
            self.mining,
            self.pair,
            split_names=(self.tune_split, self.test_split),
        )

    def plot(self, results: Mapping[str, TaskResult], path: str | os.PathLike) -> None:
        """The test split's precision/recall curve, one line per model."""
        from align.bench.plots import plot_precision_recall

        plot_precision_recall({label: result.curve for label, result in results.items()}, path)  # type: ignore[attr-defined]


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
    source, target = _languages(pair)
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


def build_bucc_split(
    parallel: str,
    unpaired_source: str | os.PathLike,
    unpaired_target: str | os.PathLike,
    directory: str | os.PathLike,
    pair: str,
    split: str,
    *,
    seed: int = 0,
    skip_bad_lines: bool = False,
    force: bool = False,
) -> int:
    """:func:`write_bucc_split` from files: a parallel corpus (any format align train reads) and
    two files of unpaired sentences. Returns the number of gold pairs."""
    from align.data import read_source, resolve_sources
    from align.sentences import read_collection

    pairs = [
        (p.source, p.target)
        for source in resolve_sources(pair, parallel)
        for p in read_source(source, skip_bad_lines=skip_bad_lines)
        if p.source.strip() and p.target.strip()
    ]
    write_bucc_split(
        directory,
        pair,
        split,
        pairs,
        read_collection(unpaired_source, skip_bad_lines=skip_bad_lines).texts,
        read_collection(unpaired_target, skip_bad_lines=skip_bad_lines).texts,
        seed=seed,
        force=force,
        inputs=[parallel, unpaired_source, unpaired_target],
    )
    return len(pairs)
