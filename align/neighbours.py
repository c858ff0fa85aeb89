"""Exact nearest neighbours across languages, for small collections and quick inspection.

Large collections belong in a FAISS index; this is the brute-force version that needs none.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from align.encode import Encoder, encode_texts
from align.errors import AlignError


def nearest_neighbours(
    model: Encoder, queries: Sequence[str], candidates: Sequence[str], *, top_k: int = 1
) -> list[list[tuple[int, float]]]:
    """For each query, the ``top_k`` (candidate index, cosine) pairs, most similar first."""
    if top_k < 1:
        raise AlignError(f"top_k must be at least 1, got {top_k}")
    similarities = encode_texts(model, queries) @ encode_texts(model, candidates).T
    top_k = min(top_k, len(candidates))
    best = np.argsort(-similarities, axis=1, kind="stable")[:, :top_k]
    return [
        [(int(index), float(row[index])) for index in indices]
        for row, indices in zip(similarities, best, strict=True)
    ]
