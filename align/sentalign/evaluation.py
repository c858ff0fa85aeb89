"""Strict and lax precision, recall and F1 of a sentence alignment against gold links, counted as
Vecalign's ``score.py`` counts them (after Bleualign's evaluation), so that figures compare with
the published ones.

- *strict*: a link is right when the gold has exactly that link (the same source and target runs);
- *lax*: a link is right when some gold link shares at least one source and one target sentence
  with it (and, for recall, the other way round).
- *Precision* is over every link found, a sentence left unaligned included: such a link is a strict
  hit when the gold leaves that sentence out too, and a miss otherwise (for lax as well, since it
  shares no target sentence with anything).
- *Recall* is over the gold links that pair sentences: a gold deletion is not something to find.
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


Runs = tuple[tuple[int, ...], tuple[int, ...]]


def _pairs(links: Sequence[Link]) -> list[Runs]:
    """The links that pair sentences (both sides non-empty), as (source run, target run)."""
    return [(link.source, link.target) for link in links if link.source and link.target]


def _all(links: Sequence[Link]) -> list[Runs]:
    """Every distinct link with a sentence on at least one side (as Vecalign's sets)."""
    return list(dict.fromkeys((link.source, link.target) for link in links if link.source or link.target))


def _lax_hits(found: list[Runs], reference: list[Runs]) -> int:
    """How many of ``found`` share a source and a target sentence with some link of ``reference``."""
    by_source: dict[int, list[int]] = {}
    for number, (sources, _) in enumerate(reference):
        for sentence in sources:
            by_source.setdefault(sentence, []).append(number)
    hits = 0
    exact = set(reference)
    for sources, targets in found:
        if (sources, targets) in exact:
            hits += 1
            continue
        candidates = {number for sentence in sources for number in by_source.get(sentence, [])}
        if any(set(targets) & set(reference[number][1]) for number in candidates):
            hits += 1
    return hits


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def score_alignment(gold: Sequence[Link], test: Sequence[Link]) -> AlignmentScores:
    """Score ``test`` against ``gold`` (one document pair; pool the links to score several)."""
    gold_all, test_all = _all(gold), _all(test)
    gold_pairs, test_pairs = _pairs(gold), _pairs(test)
    strict_p = 100 * len(set(test_all) & set(gold_all)) / len(test_all) if test_all else 0.0
    lax_p = 100 * _lax_hits(test_all, gold_all) / len(test_all) if test_all else 0.0
    strict_r = 100 * len(set(gold_pairs) & set(test_pairs)) / len(gold_pairs) if gold_pairs else 0.0
    lax_r = 100 * _lax_hits(gold_pairs, test_pairs) / len(gold_pairs) if gold_pairs else 0.0
    return AlignmentScores(strict_p, strict_r, _f1(strict_p, strict_r), lax_p, lax_r, _f1(lax_p, lax_r))
