"""How good mined pairs are against gold pairs: precision, recall and F1, the curve over every
threshold, and the threshold with the best F1 (how ``--gold`` calibrates and BUCC is scored)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from align.mining.margin import MinedPairs


@dataclass(frozen=True)
class Calibration:
    """The threshold that maximises F1 against gold pairs, with its precision and recall (in %)."""

    threshold: float
    precision: float
    recall: float
    f1: float
    mined: int  # pairs at or above the threshold


def precision_recall_f1(pairs: MinedPairs, gold: set[tuple[int, int]]) -> tuple[float, float, float]:
    """Precision, recall and F1 (in %) of all of ``pairs`` against ``gold`` (source row, target row)."""
    correct = sum((int(s), int(t)) in gold for s, t in zip(pairs.source_ids, pairs.target_ids, strict=True))
    precision = 100 * correct / len(pairs) if len(pairs) else 0.0
    recall = 100 * correct / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@dataclass(frozen=True)
class PrecisionRecallCurve:
    """Precision and recall (in %) at every distinct score threshold, strictest first."""

    thresholds: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    kept: np.ndarray  # pairs at or above each threshold

    @property
    def f1(self) -> np.ndarray:
        total = self.precision + self.recall
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, 2 * self.precision * self.recall / total, 0.0)


def precision_recall_curve(pairs: MinedPairs, gold: set[tuple[int, int]]) -> PrecisionRecallCurve:
    """Precision and recall of ``pairs`` (best first) against ``gold`` at each distinct score.

    Every distinct score is a threshold that keeps all pairs scoring at least as much, so ties
    are never split.
    """
    if not gold:
        raise ValueError("a precision/recall curve needs at least one gold pair")
    if not len(pairs):
        raise ValueError("a precision/recall curve needs mined pairs; nothing was mined")
    correct = np.fromiter(
        ((int(s), int(t)) in gold for s, t in zip(pairs.source_ids, pairs.target_ids, strict=True)),
        dtype=bool,
        count=len(pairs),
    )
    true_positives = np.cumsum(correct)
    kept = np.arange(1, len(pairs) + 1)
    boundary = np.append(pairs.scores[1:] != pairs.scores[:-1], True)  # last position of each distinct score
    return PrecisionRecallCurve(
        thresholds=pairs.scores[boundary],
        precision=(100 * true_positives / kept)[boundary],
        recall=(100 * true_positives / len(gold))[boundary],
        kept=kept[boundary],
    )


def calibrate_threshold(pairs: MinedPairs, gold: set[tuple[int, int]]) -> Calibration:
    """Choose the score threshold that maximises F1 of ``pairs`` (best first) against ``gold``."""
    curve = precision_recall_curve(pairs, gold)
    best = int(np.argmax(curve.f1))
    return Calibration(
        threshold=float(curve.thresholds[best]),
        precision=float(curve.precision[best]),
        recall=float(curve.recall[best]),
        f1=float(curve.f1[best]),
        mined=int(curve.kept[best]),
    )
