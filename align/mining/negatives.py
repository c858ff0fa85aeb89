"""Hard negatives: for each pair of a parallel corpus, the target sentences its source is most
easily confused with — near-translations, a number or a name changed — found with align's own
index and margin.

Random in-batch negatives are mostly easy; a bitext encoder improves on the pairs it confuses.
For pair i (source row i translates target row i), the candidates are the nearest targets of
source i, scored with the margin mining uses (cosine over the mean similarity of both sides'
neighbourhoods), best first. Left out: i's own target; any target of the same group (a copy of
i's target, or the translation of a copy of i's source: ``groups``); and any candidate scoring
within ``relative_margin`` of i's own pair, which is more likely a second translation than a
negative (sentence-transformers' ``mine_hard_negatives`` guards the same way).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from align.index.settings import DEFAULT_NPROBE
from align.index.vectors import check_embeddings
from align.mining.config import MarginKind
from align.mining.margin import margin, nearest

SEARCH_EXTRA = 8  # candidates searched beyond those wanted, for the ones left out


def hard_negatives(
    source: np.ndarray,
    target: np.ndarray,
    count: int,
    *,
    groups: Sequence[np.ndarray] = (),
    kind: MarginKind = "ratio",
    k: int = 4,
    relative_margin: float = 0.05,
    factory: str | None = None,
    nprobe: int = DEFAULT_NPROBE,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``count`` hardest negative targets of each pair: a (pairs, count) matrix of target rows,
    best first, -1 where fewer qualify, and their margin scores (NaN there).

    ``source`` and ``target`` are L2-normalised rows, row i of each a translation pair. Each array
    of ``groups`` labels the rows (e.g. by target text): a candidate sharing a label with pair i
    is not a negative of it. ``k`` is the margin's neighbourhood size.
    """
    source = check_embeddings(source, what="source embeddings")
    target = check_embeddings(target, source.shape[1], what="target embeddings")
    if len(source) != len(target):
        raise ValueError(f"{len(source):,} source rows for {len(target):,} target rows: pairs need both")
    depth = min(len(target), max(count + SEARCH_EXTRA, k))
    forward = nearest(source, target, depth, factory=factory, nprobe=nprobe)
    backward = nearest(target, source, min(k, len(source)), factory=factory, nprobe=nprobe)
    source_mean = forward.cosines[:, :k].mean(axis=1)
    target_mean = backward.mean_similarity
    rows = np.arange(len(source))
    own_cosine = np.einsum("ij,ij->i", source, target)
    own = margin(own_cosine, (source_mean + target_mean) / 2, kind)
    ids = forward.ids
    found = ids >= 0
    safe = np.where(found, ids, 0)
    scores = margin(forward.cosines, (source_mean[:, None] + target_mean[safe]) / 2, kind)
    excluded = ~found | (safe == rows[:, None]) | (scores >= own[:, None] * (1 - relative_margin))
    for labels in groups:
        excluded |= labels[safe] == labels[:, None]
    scores = np.where(excluded, -np.inf, scores)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :count]
    best = np.take_along_axis(scores, order, axis=1)
    chosen = np.where(np.isfinite(best), np.take_along_axis(safe, order, axis=1), -1)
    if chosen.shape[1] < count:  # fewer targets than negatives asked for
        padding = count - chosen.shape[1]
        chosen = np.pad(chosen, ((0, 0), (0, padding)), constant_values=-1)
        best = np.pad(best, ((0, 0), (0, padding)), constant_values=-np.inf)
    return chosen, np.where(np.isfinite(best), best, np.nan).astype(np.float32)


def text_groups(texts: Sequence[str]) -> np.ndarray:
    """A label a row, equal for rows holding the same text (whitespace and case aside)."""
    seen: dict[str, int] = {}
    return np.fromiter(
        (seen.setdefault(" ".join(text.casefold().split()), len(seen)) for text in texts),
        dtype=np.int64,
        count=len(texts),
    )
