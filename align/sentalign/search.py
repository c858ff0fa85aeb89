"""Coarse to fine: where the fine programme needs to look, for documents too long to fill a table.

As Vecalign does: average each two consecutive sentences into one, align the halved documents
(recursively, until they are small enough for a full table), and search the full documents only
within ``width`` sentences of the coarse path. Each level costs what its band covers, so a pair of
10,000-sentence documents needs a few hundred thousand cells, not 10^8.
"""

from __future__ import annotations

import numpy as np

from align.sentalign.dynamic import align_runs, full_band, with_norms
from align.sentalign.links import Link

FULL_TABLE_UP_TO = 1_000_000  # cells (source × target sentences) aligned without a coarser pass
COARSE_TYPES = [(1, 1), (1, 2), (2, 1)]


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def halve(sentences: np.ndarray) -> np.ndarray:
    """Each two consecutive sentence embeddings as one (the last alone when the count is odd)."""
    count = len(sentences)
    pairs = sentences[: count - count % 2].reshape(-1, 2, sentences.shape[1]).sum(axis=1)
    if count % 2:
        pairs = np.vstack([pairs, sentences[-1:]])
    return _unit(pairs)


def runs_of(sentences: np.ndarray, max_run: int) -> list[np.ndarray]:
    """Run embeddings made from sentence embeddings (their normalised sums), for the coarse levels."""
    sums = np.vstack([np.zeros((1, sentences.shape[1])), np.cumsum(sentences, axis=0)])
    return [_unit(sums[size:] - sums[:-size]) for size in range(1, min(max_run, len(sentences)) + 1)]


def band_around(links: list[Link], n: int, m: int, factor: int, width: int) -> np.ndarray:
    """For each row of the fine table, the target positions within ``width`` of the coarse path
    (whose link indices count blocks of ``factor`` sentences)."""
    low = np.full(n + 1, m, dtype=np.int64)
    high = np.zeros(n + 1, dtype=np.int64)
    i = j = 0
    for link in links:
        i_next, j_next = i + len(link.source), j + len(link.target)
        rows = slice(min(i * factor, n), min(i_next * factor, n) + 1)
        low[rows] = np.minimum(low[rows], min(j * factor, m))
        high[rows] = np.maximum(high[rows], min(j_next * factor, m))
        i, j = i_next, j_next
    low, high = np.maximum(low - width, 0), np.minimum(high + width, m)
    low[0], high[n] = 0, m
    return np.stack([low, np.maximum(high, low)], axis=1)


def search_band(
    source: np.ndarray, target: np.ndarray, deletion: float, width: int, samples: int
) -> np.ndarray:
    """The band the fine programme searches for two documents' sentence embeddings."""
    n, m = len(source), len(target)
    if n * m <= FULL_TABLE_UP_TO or min(n, m) < 4:
        return full_band(n, m)
    coarse_source, coarse_target = halve(source), halve(target)
    inner = search_band(coarse_source, coarse_target, deletion, width, samples)
    runs = with_norms(runs_of(coarse_source, 2), runs_of(coarse_target, 2), samples)
    links = align_runs(*runs, COARSE_TYPES, deletion, inner)
    return band_around(links, n, m, factor=2, width=width)
