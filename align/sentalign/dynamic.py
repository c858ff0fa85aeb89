"""The dynamic programme of ordered sentence alignment, over link costs from sentence embeddings.

Costs follow Vecalign (Thompson & Koehn 2019): linking the run of ``a`` source sentences ``x`` with
the run of ``b`` target sentences ``y`` costs

    (1 - cos(x, y)) * a * b / ((mean_s (1 - cos(x, y_s)) + mean_s (1 - cos(x_s, y))) / 2)

where ``x`` and ``y`` embed the runs' concatenated text, and ``x_s``, ``y_s`` are sentences drawn
at random from the two documents: a cosine is judged against what the same sentence scores with
unrelated ones (as a margin does), and the factor ``a * b`` keeps 1-1 links the rule. Leaving a
sentence unaligned costs ``deletion`` (in the same normalised units: a random pair costs about 1).

The programme runs a row at a time over the source, each row vectorised over the target; within
a row, a run of target deletions is a running minimum. Only cells inside ``band`` are computed,
so a long document pair costs what its band covers (:mod:`.search` narrows it coarse to fine).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from align.sentalign.config import LinkCosts
from align.sentalign.links import Link

SOURCE_DELETION = -1  # backpointer codes beside the link types' indices
TARGET_DELETION = -2


@dataclass(frozen=True)
class RunEmbeddings:
    """The embedding of every run of up to ``len(by_size)`` consecutive sentences of a document:
    ``by_size[a - 1][i]`` embeds sentences ``i .. i + a - 1`` (unit rows), and the mean
    dissimilarity of each run to random sentences of the other document (``norm``)."""

    by_size: list[np.ndarray]
    norm: list[np.ndarray]
    lengths: list[np.ndarray] | None = None  # characters of each run, for the length term

    @property
    def count(self) -> int:
        return len(self.by_size[0])


LENGTH_SMOOTHING = 20  # characters added to both sides of a length ratio: short lines are not extreme


def run_lengths(sentences: Sequence[str], max_run: int) -> list[np.ndarray]:
    """``[a - 1][i]``: the characters in sentences ``i .. i + a - 1``."""
    sums = np.concatenate([[0], np.cumsum([len(text) for text in sentences])]).astype(np.float64)
    return [sums[size:] - sums[:-size] for size in range(1, min(max_run, len(sentences)) + 1)]


def link_types(max_run: int, max_link: int) -> list[tuple[int, int]]:
    """Every (source run, target run) size a link may have: each side 1..max_run, both <= max_link."""
    return [(a, b) for a in range(1, max_run + 1) for b in range(1, max_run + 1) if a + b <= max_link]


def with_norms(
    source_runs: list[np.ndarray],
    target_runs: list[np.ndarray],
    samples: int,
    seed: int = 0,
    lengths: tuple[list[np.ndarray], list[np.ndarray]] | None = None,
):
    """Both documents' :class:`RunEmbeddings`, each run normalised against ``samples`` random
    single sentences of the other document (with ``lengths``, the runs' character lengths)."""
    rng = np.random.default_rng(seed)

    def norms(runs: list[np.ndarray], others: np.ndarray) -> list[np.ndarray]:
        drawn = others[rng.choice(len(others), size=min(samples, len(others)), replace=False)]
        return [(1 - run @ drawn.T).mean(axis=1).astype(np.float32) for run in runs]

    source_lengths, target_lengths = lengths if lengths is not None else (None, None)
    return (
        RunEmbeddings(source_runs, norms(source_runs, target_runs[0]), source_lengths),
        RunEmbeddings(target_runs, norms(target_runs, source_runs[0]), target_lengths),
    )


class _Rows:
    """The programme's table, stored a band per row: row ``i`` holds target positions
    ``low[i] .. low[i] + len - 1``, so memory follows the band, not the documents' product."""

    def __init__(self, band: np.ndarray) -> None:
        self.low = band[:, 0].astype(np.int64)
        self.total = [np.full(int(b - a + 1), np.inf) for a, b in band]
        self.back = [np.zeros(int(b - a + 1), dtype=np.int8) for a, b in band]

    def totals(self, row: int, columns: np.ndarray) -> np.ndarray:
        """Row ``row``'s totals at ``columns`` (inf outside its band)."""
        offsets = columns - self.low[row]
        inside = (offsets >= 0) & (offsets < len(self.total[row]))
        values = np.full(len(columns), np.inf)
        values[inside] = self.total[row][offsets[inside]]
        return values

    def pointer(self, row: int, column: int) -> int:
        return int(self.back[row][column - self.low[row]])


def full_band(n: int, m: int) -> np.ndarray:
    return np.tile(np.array([0, m]), (n + 1, 1))


def align_runs(
    source: RunEmbeddings,
    target: RunEmbeddings,
    types: Sequence[tuple[int, int]],
    costs: float | LinkCosts,
    band: np.ndarray | None = None,
) -> list[Link]:
    """The cheapest monotone alignment of the two documents, as links in order (``costs``: a
    :class:`LinkCosts`, or a deletion cost alone for Vecalign's costs).

    ``band[i]`` = (first, last) target end positions computed for source end position ``i``
    (``n + 1`` rows; None: every cell). Cells outside are unreachable; the band must hold
    (0, 0) and (n, m).
    """
    costs = costs if isinstance(costs, LinkCosts) else LinkCosts(costs)
    deletion = costs.deletion
    lengths = costs.length_weight and source.lengths is not None and target.lengths is not None
    if lengths:
        ratio = target.lengths[0].sum() / max(source.lengths[0].sum(), 1.0)
    n, m = source.count, target.count
    band = full_band(n, m) if band is None else band
    if band[0, 0] != 0 or band[n, 1] != m:
        raise ValueError("the band must start at (0, 0) and end at the documents' ends")
    rows = _Rows(band)
    for i in range(n + 1):
        low, high = int(band[i, 0]), int(band[i, 1])
        columns = np.arange(low, high + 1)
        best = np.full(len(columns), np.inf)
        choice = np.full(len(columns), TARGET_DELETION, dtype=np.int8)
        if i == 0:
            best[0] = 0.0
        else:
            from_above = rows.totals(i - 1, columns) + deletion
            better = from_above < best
            best[better], choice[better] = from_above[better], SOURCE_DELETION
        for number, (a, b) in enumerate(types):
            if a > i:
                continue
            ends = columns[columns >= b]
            if not len(ends):
                continue
            starts = ends - b
            previous = rows.totals(i - a, starts)
            reachable = np.isfinite(previous)
            if not reachable.any():
                continue
            x = source.by_size[a - 1][i - a]
            y = target.by_size[b - 1][starts[reachable]]
            normaliser = (source.norm[a - 1][i - a] + target.norm[b - 1][starts[reachable]]) / 2
            cost = (1 - y @ x) * (a * b) ** costs.size_exponent / normaliser + costs.link_penalty * (
                a + b - 2
            )
            if lengths:
                source_chars = source.lengths[a - 1][i - a] * ratio + LENGTH_SMOOTHING
                target_chars = target.lengths[b - 1][starts[reachable]] + LENGTH_SMOOTHING
                cost = cost + costs.length_weight * np.abs(np.log(source_chars / target_chars))
            candidate = np.full(len(ends), np.inf)
            candidate[reachable] = previous[reachable] + cost
            offset = len(columns) - len(ends)
            better = candidate < best[offset:]
            best[offset:][better] = candidate[better]
            choice[offset:][better] = number
        rows.total[i], rows.back[i] = _with_target_deletions(best, choice, deletion)
    return _trace(rows, types, n, m)


def _with_target_deletions(
    best: np.ndarray, choice: np.ndarray, deletion: float
) -> tuple[np.ndarray, np.ndarray]:
    """A row's totals when runs of target sentences may be left out: ``min_k<=j best[k] + (j-k) d``."""
    steps = np.arange(len(best)) * deletion
    running = np.minimum.accumulate(best - steps) + steps
    deleted = running < best - 1e-9  # strictly better: rounding in the running sum is no reason
    return np.where(deleted, running, best), np.where(deleted, TARGET_DELETION, choice).astype(np.int8)


def _trace(rows: _Rows, types: Sequence[tuple[int, int]], n: int, m: int) -> list[Link]:
    links: list[Link] = []
    i, j = n, m
    while i > 0 or j > 0:
        code = rows.pointer(i, j)
        if code == SOURCE_DELETION:
            links.append(Link((i - 1,), ()))
            i -= 1
        elif code == TARGET_DELETION:
            links.append(Link((), (j - 1,)))
            j -= 1
        else:
            a, b = types[code]
            links.append(Link(tuple(range(i - a, i)), tuple(range(j - b, j))))
            i, j = i - a, j - b
    return links[::-1]
