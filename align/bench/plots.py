"""Figures for benchmark reports, written as PNG with matplotlib (``pip install 'align[plot]'``).

They take plain numbers by model, not task results: each task picks the figure that suits it.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from align.errors import AlignError
from align.mining.evaluation import PrecisionRecallCurve
from align.outputs import atomic_path


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: no display needed
        import matplotlib.pyplot as plt
    except ImportError:
        raise AlignError("--plot needs matplotlib: pip install 'align[plot]'") from None
    return plt


def plot_grouped_bars(
    values: dict[str, dict[str, float]], path: str | os.PathLike, *, ylabel: str, max_groups: int = 40
) -> None:
    """Grouped bars, one group per item (e.g. language) and one colour per model, 0-100 %."""
    plt = _pyplot()
    items = list(next(iter(values.values())))[:max_groups]
    width = 0.8 / len(values)
    figure, axes = plt.subplots(figsize=(max(6.0, 0.5 * len(items) * len(values) + 2), 4))
    positions = np.arange(len(items))
    for offset, (model, by_item) in enumerate(values.items()):
        axes.bar(positions + offset * width, [by_item[item] for item in items], width, label=model)
    axes.set_xticks(positions + width * (len(values) - 1) / 2, items)
    axes.set_ylabel(ylabel)
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
