"""Figures for benchmark reports, written as PNG with matplotlib (``pip install 'align[plot]'``)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from align.bench.tatoeba import TatoebaScore
from align.errors import AlignError
from align.mining import PrecisionRecallCurve
from align.outputs import atomic_path


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: no display needed
        import matplotlib.pyplot as plt
    except ImportError:
        raise AlignError("--plot needs matplotlib: pip install 'align[plot]'") from None
    return plt


def plot_tatoeba(
    results: dict[str, list[TatoebaScore]], path: str | os.PathLike, max_languages: int = 40
) -> None:
    """Grouped bars: mean accuracy (of both directions) per language, one colour per model."""
    plt = _pyplot()
    languages = [score.language for score in next(iter(results.values()))][:max_languages]
    width = 0.8 / len(results)
    figure, axes = plt.subplots(figsize=(max(6.0, 0.5 * len(languages) * len(results) + 2), 4))
    positions = np.arange(len(languages))
    for offset, (model, scores) in enumerate(results.items()):
        axes.bar(positions + offset * width, [s.mean for s in scores[:max_languages]], width, label=model)
    axes.set_xticks(positions + width * (len(results) - 1) / 2, languages)
    axes.set_ylabel("Tatoeba accuracy, mean of xx→en and en→xx (%)")
    axes.set_ylim(0, 100)
    axes.legend()
    figure.tight_layout()
    _save(figure, path)


def plot_precision_recall(curves: dict[str, PrecisionRecallCurve], path: str | os.PathLike) -> None:
    """Precision against recall as the threshold falls, one line per model, best-F1 point marked."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(5, 4))
    for model, curve in curves.items():
        best = int(np.argmax(curve.f1))
        axes.plot(curve.recall, curve.precision, label=f"{model} (best F1 {curve.f1[best]:.1f})")
        axes.scatter([curve.recall[best]], [curve.precision[best]], marker="o")
    axes.set_xlabel("recall (%)")
    axes.set_ylabel("precision (%)")
    axes.set_xlim(0, 100)
    axes.set_ylim(0, 100)
    axes.legend(loc="lower left")
    figure.tight_layout()
    _save(figure, path)


def _save(figure: Any, path: str | os.PathLike) -> None:
    with atomic_path(path) as tmp:
        figure.savefig(tmp, dpi=120, format="png")
    _pyplot().close(figure)
