"""A filter's first three stages, streamed: cleaning rules, copies and language ID, a batch at a time.

What passes goes to files rather than memory (``source.txt`` and ``target.txt``, one sentence a
line and line-aligned, ``lines.npy`` with each pair's line in the input); what fails goes to
``rejected.tsv`` with its reason; ``counts.json``, written last, says the stage is finished. So a
bitext of any size passes through in bounded memory (the deduplication digests aside: about 100
bytes a distinct pair), and a re-run of the same filter reuses the files.
"""

from __future__ import annotations

import json
import time
from array import array
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from align.data.cleaning import CleaningConfig, clean_pair
from align.data.readers import CorpusSource, ReadStats, SentencePair, read_numbered
from align.errors import AlignError
from align.filtering.copies import copy_reason
from align.lid.pairs import PairLanguageCheck
from align.mining.sharded.workdir import Stage
from align.outputs import atomic_path

BATCH = 10_000  # pairs identified at a time
COUNTS = "counts.json"


def reason_class(reason: str) -> str:
    """``"target language: ja"`` counts as ``"target language"``."""
    return reason.split(":")[0]


def numbered_pairs(
    source: CorpusSource, skip_bad_lines: bool, stats: ReadStats
) -> Iterator[tuple[int, SentencePair]]:
    """The bitext's ``(line, pair)``s, with a progress bar on a terminal."""
    pairs = read_numbered(source, skip_bad_lines=skip_bad_lines, stats=stats)
    return tqdm(pairs, desc="Reading", unit=" pairs", disable=None, mininterval=1.0)


def spaced_pairs(source: CorpusSource, skip_bad_lines: bool) -> tuple[list[int], list[str], list[str]]:
    """Every pair of the bitext as line numbers, sources and targets, each side's whitespace runs
    made one space: what ``align score`` and ``align mine-negatives`` read."""
    lines, sources, targets = [], [], []
    for line, pair in numbered_pairs(source, skip_bad_lines, ReadStats()):
        lines.append(line)
        sources.append(" ".join(pair.source.split()))
        targets.append(" ".join(pair.target.split()))
    return lines, sources, targets


@dataclass(frozen=True)
class Survivors:
    """The pairs that passed stages 1–3, on disk, and what the stages dropped."""

    stage: Stage
    read: int
    kept: int
    dropped: dict[str, dict[str, int]]  # stage → reason → pairs
    undecodable: int
    carriage_returns: int = 0  # pairs with a carriage return inside a side, read as a space

    @property
    def source_file(self) -> Path:
        return self.stage.path("source.txt")

    @property
    def target_file(self) -> Path:
        return self.stage.path("target.txt")

    @property
    def rejected_file(self) -> Path:
        return self.stage.path("rejected.tsv")

    def lines(self) -> np.ndarray:
        return np.load(self.stage.path("lines.npy"))

    def pairs(self) -> Iterator[SentencePair]:
        with (
            open(self.source_file, encoding="utf-8") as sources,
            open(self.target_file, encoding="utf-8") as targets,
        ):
            for source, target in zip(sources, targets, strict=True):
                yield SentencePair(source.rstrip("\n"), target.rstrip("\n"))

    @classmethod
    def load(cls, stage: Stage) -> Survivors:
        counts = json.loads(stage.path(COUNTS).read_text(encoding="utf-8"))
        return cls(
            stage,
            counts["read"],
            counts["kept"],
            counts["dropped"],
            counts["undecodable"],
            counts.get("carriage_returns", 0),
        )


def first_stages(
    source: CorpusSource,
    stage: Stage,
    cleaning: CleaningConfig,
    max_copied: float,
    check: PairLanguageCheck | None,
    *,
    skip_bad_lines: bool = False,
) -> Survivors:
    """Run stages 1–3 over ``source`` into ``stage`` (or reuse what a finished run left there)."""
    if stage.done(COUNTS):
        stage.reused += 1
        return Survivors.load(stage)
    started = time.perf_counter()
    dropped: dict[str, Counter[str]] = {"cleaning": Counter(), "copies": Counter(), "language": Counter()}
    stats = ReadStats()
    seen: set[bytes] = set()
    read = kept = 0
    lines = array("q")  # 8 bytes a surviving pair
    names = ("source.txt", "target.txt", "rejected.tsv")
    with ExitStack() as stack:
        paths = [stack.enter_context(atomic_path(stage.path(name))) for name in names]
        sources, targets, rejected = (
            stack.enter_context(open(path, "w", encoding="utf-8")) for path in paths
        )

        def reject(stage_name: str, reason: str, line: int, pair: SentencePair) -> None:
            dropped[stage_name][reason_class(reason)] += 1
            rejected.write(f"{reason}\t{pair.source}\t{pair.target}\t{line}\n")

        def flush(batch_lines: list[int], batch: list[SentencePair]) -> int:
            reasons = [copy_reason(p.source, p.target, max_copied) for p in batch]
            stages = ["copies" if reason else None for reason in reasons]
            if check is not None:
                waiting = [row for row, reason in enumerate(reasons) if reason is None]
                found = check.reasons([batch[r].source for r in waiting], [batch[r].target for r in waiting])
                for row, reason in zip(waiting, found, strict=True):
                    reasons[row], stages[row] = reason, "language" if reason else None
            passed = 0
            for line, pair, reason, name in zip(batch_lines, batch, reasons, stages, strict=True):
                if reason is None:
                    sources.write(pair.source + "\n")
                    targets.write(pair.target + "\n")
                    lines.append(line)
                    passed += 1
                else:
                    reject(name, reason, line, pair)
            return passed

        batch_lines: list[int] = []
        batch: list[SentencePair] = []
        for line, raw in numbered_pairs(source, skip_bad_lines, stats):
            read += 1
            pair, reason = clean_pair(raw, cleaning, seen)
            if reason is not None:
                reject("cleaning", reason, line, pair)
                continue
            batch_lines.append(line)
            batch.append(pair)
            if len(batch) == BATCH:
                kept += flush(batch_lines, batch)
                batch_lines, batch = [], []
        kept += flush(batch_lines, batch)
        if read == 0:
            raise AlignError(f"{source.describe()}: no pairs to filter (the input is empty)")
    with atomic_path(stage.path("lines.npy")) as tmp, open(tmp, "wb") as handle:
        np.save(handle, np.frombuffer(lines, dtype=np.int64) if lines else np.zeros(0, dtype=np.int64))
    counts = {
        "read": read,
        "kept": kept,
        "dropped": {name: dict(reasons) for name, reasons in dropped.items()},
        "undecodable": stats.undecodable,
        "carriage_returns": stats.carriage_returns,
    }
    with atomic_path(stage.path(COUNTS)) as tmp:
        tmp.write_text(json.dumps(counts, indent=2) + "\n", encoding="utf-8")
    stage.made += 1
    stage.seconds += time.perf_counter() - started
    return Survivors.load(stage)
