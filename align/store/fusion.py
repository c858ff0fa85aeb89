"""Reciprocal rank fusion: how a hybrid search joins its dense and lexical rankings.

A document scores Σ w / (rank + w·K) over the rankings it is in, i.e. 1 / (rank / w + K) (rank
from 1, K = 60 as Cormack et al. 2009, Qdrant and LanceDB use it): a ranking of weight w counts
its documents as if ranked 1/w times further down, so with w < 1 it breaks the other's near-ties
more than it overturns them. This is Qdrant's weighted RRF (with its k = K + 1, ranks from 0), so
both stores fuse alike.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

RRF_K = 60


def fuse(
    rankings: Sequence[Sequence[tuple[Hashable, float]]], weights: Sequence[float]
) -> list[tuple[Hashable, float]]:
    """``rankings`` of (document, score), best first, fused by weighted reciprocal rank: (document,
    fused score), best first."""
    fused: dict[Hashable, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, (document, _) in enumerate(ranking, start=1):
            fused[document] = fused.get(document, 0.0) + 1.0 / (rank / weight + RRF_K)
    return sorted(fused.items(), key=lambda item: -item[1])
