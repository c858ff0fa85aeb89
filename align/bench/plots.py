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
    values: dict[str, dict[str, float]], path: str | os.PathLike, *, ylabel: str, vertical_up_to: int = 40
) -> None:
    """Grouped bars, one group per item (e.g. language) and one colour per model, 0-100 %, sorted by
    the first model's value so a reader can scan them. Beyond ``vertical_up_to`` items the bars lie
    down, one row per item, so a hundred languages stay legible."""
    plt = _pyplot()
    first = next(iter(values.values()))
    items = sorted(first, key=first.__getitem__, reverse=True)
    width = 0.8 / len(values)
    positions = np.arange(len(items))
    horizontal = len(items) > vertical_up_to
    size = (
        (8.0, 0.18 * len(items) * len(values) + 1.5)
        if horizontal
        else (max(6.0, 0.5 * len(items) * len(values) + 2), 4)
    )
    figure, axes = plt.subplots(figsize=size)
    for offset, (model, by_item) in enumerate(values.items()):
        heights = [by_item.get(item, 0.0) for item in items]
        if horizontal:
            axes.barh(positions + offset * width, heights, width, label=model)
        else:
            axes.bar(positions + offset * width, heights, width, label=model)
    ticks = positions + width * (len(values) - 1) / 2
    if horizontal:
        axes.set_yticks(ticks, items, fontsize=7)
        axes.invert_yaxis()  # best first, at the top
        axes.set_xlabel(ylabel)
        axes.set_xlim(0, 100)
    else:
        axes.set_xticks(ticks, items)
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
