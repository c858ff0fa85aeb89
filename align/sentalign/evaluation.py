"""Strict and lax precision, recall and F1 of a sentence alignment against gold links, as the
Bleualign and Vecalign evaluations define them.

- *strict*: a link is right when the gold has exactly that link (the same source and target runs);
- *lax*: a link is right when some gold link shares at least one source and one target sentence
  with it (and, for recall, the other way round).

Links with an empty side (a sentence left unaligned) count on neither side, as in those scorers:
what is measured is which sentences are put together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from align.sentalign.links import Link


@dataclass(frozen=True)
class AlignmentScores:
    """Precision, recall and F1 in %, strict and lax; the primary metric is strict F1."""

    strict_precision: float
    strict_recall: float
    strict_f1: float
    lax_precision: float
    lax_recall: float
    lax_f1: float

    def to_json(self) -> dict[str, float]:
        return {name: round(value, 2) for name, value in self.__dict__.items()}


def _pairs(links: Sequence[Link]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    return [(link.source, link.target) for link in links if link.source and link.target]


def _lax_hits(found: list[tuple[tuple[int, ...], tuple[int, ...]]], reference: list) -> int:
    """How many of ``found`` share a source and a target sentence with some link of ``reference``."""
    by_source: dict[int, list[int]] = {}
    for number, (sources, _) in enumerate(reference):
        for sentence in sources:
            by_source.setdefault(sentence, []).append(number)
    hits = 0
    for sources, targets in found:
        candidates = {number for sentence in sources for number in by_source.get(sentence, [])}
        if any(set(targets) & set(reference[number][1]) for number in candidates):
            hits += 1
    return hits


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def score_alignment(gold: Sequence[Link], test: Sequence[Link]) -> AlignmentScores:
    """Score ``test`` against ``gold`` (one document pair; pool the links to score several)."""
    gold_pairs, test_pairs = _pairs(gold), _pairs(test)
    exact = len(set(gold_pairs) & set(test_pairs))
    strict_p = 100 * exact / len(test_pairs) if test_pairs else 0.0
    strict_r = 100 * exact / len(gold_pairs) if gold_pairs else 0.0
    lax_p = 100 * _lax_hits(test_pairs, gold_pairs) / len(test_pairs) if test_pairs else 0.0
    lax_r = 100 * _lax_hits(gold_pairs, test_pairs) / len(gold_pairs) if gold_pairs else 0.0
    return AlignmentScores(strict_p, strict_r, _f1(strict_p, strict_r), lax_p, lax_r, _f1(lax_p, lax_r))
