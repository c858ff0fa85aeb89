"""Margin-based bitext mining (Artetxe & Schwenk 2019), as in LASER and stopes.

Plain cosine is a poor judge of translation across a whole collection: some sentences ("hubs")
are close to everything. The margin criterion divides a candidate's cosine by the average
similarity of both sentences to their k nearest neighbours:

    score(x, y) = cos(x, y) / ((Σ_{z∈NN_k(x)} cos(x, z) + Σ_{z∈NN_k(y)} cos(y, z)) / 2k)

(``ratio``; ``distance`` subtracts instead of dividing; ``absolute`` is plain cosine). Candidates
come from k-NN search in both directions; the mode decides which are kept:

- ``forward``: each source sentence with its best-scoring target;
- ``backward``: each target sentence with its best-scoring source;
- ``intersect``: pairs that are each other's best (mutual);
- ``max``: forward and backward candidates together, best score first, each sentence used at most
  once (LASER's default).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from align.index.settings import DEFAULT_NPROBE
from align.index.vectors import VectorIndex, check_embeddings
from align.mining.config import MARGINS, MODES, CandidateMode, MarginKind, MiningConfig


@dataclass(frozen=True)
class MinedPairs:
    """Mined pairs, best first: source row, target row and margin score of each."""

    source_ids: np.ndarray
    target_ids: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.scores)

    def above(self, threshold: float) -> MinedPairs:
        keep = self.scores >= threshold
        return MinedPairs(self.source_ids[keep], self.target_ids[keep], self.scores[keep])


def margin(cosine: np.ndarray, neighbourhood: np.ndarray, kind: MarginKind) -> np.ndarray:
    """Apply a margin to cosines given the mean neighbourhood similarity of each candidate pair."""
    if kind == "ratio":
        return cosine / neighbourhood
    if kind == "distance":
        return cosine - neighbourhood
    if kind == "absolute":
        return cosine
    raise ValueError(f"unknown margin {kind!r}; choose one of {', '.join(MARGINS)}")


@dataclass(frozen=True)
class Neighbours:
    """k-NN results one way: for each query row, its k candidate rows and their cosines."""

    ids: np.ndarray
    cosines: np.ndarray

    @property
    def mean_similarity(self) -> np.ndarray:
        return self.cosines.mean(axis=1)


def reverse_entries(other: Neighbours, start: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``other``'s results turned round: (row it found, the query that found it, cosine), one per
    hit; ``start`` is the global row of ``other``'s first query."""
    found = other.ids >= 0  # FAISS marks a missing neighbour with -1
    queries = np.broadcast_to(np.arange(start, start + len(other.ids))[:, None], other.ids.shape)
    return other.ids[found], queries[found], other.cosines[found]


def add_reverse_neighbours(
    own: Neighbours, rows: np.ndarray, candidates: np.ndarray, cosines: np.ndarray, start: int = 0
) -> Neighbours:
    """``own``'s lists, each with the extra (row, candidate, cosine) entries of its row merged in,
    cut back to the ``k`` most similar (ties by candidate id). ``own`` covers the rows from
    ``start``; ``rows`` are global.

    With exact search this changes nothing: a sentence the other side found near it can be no
    nearer than its own k nearest. With an approximate index it recovers neighbours the index
    missed: a translation pair that one direction found is added to the other's list. Those lost
    neighbours are what makes approximate mining lose F1: they lower a sentence's neighbourhood
    mean and so inflate its margins (docs/mining.md).
    """
    count, k = own.ids.shape
    found = own.ids >= 0
    local = np.concatenate([np.broadcast_to(np.arange(count)[:, None], own.ids.shape)[found], rows - start])
    ids = np.concatenate([own.ids[found], candidates])
    sims = np.concatenate([own.cosines[found], cosines]).astype(np.float32)
    order = np.lexsort((-sims, ids, local))  # each (row, candidate) once, its highest cosine first
    local, ids, sims = local[order], ids[order], sims[order]
    first = np.ones(len(ids), dtype=bool)
    first[1:] = (local[1:] != local[:-1]) | (ids[1:] != ids[:-1])
    local, ids, sims = local[first], ids[first], sims[first]
    order = np.lexsort((ids, -sims, local))
    local, ids, sims = local[order], ids[order], sims[order]
    rank = np.arange(len(local)) - np.searchsorted(local, local)
    keep = rank < k
    merged_ids = np.full((count, k), -1, dtype=np.int64)
    merged_cosines = np.full((count, k), np.finfo(np.float32).min, dtype=np.float32)
    merged_ids[local[keep], rank[keep]] = ids[keep]
    merged_cosines[local[keep], rank[keep]] = sims[keep]
    return Neighbours(ids=merged_ids, cosines=merged_cosines)


def with_reverse_neighbours(own: Neighbours, other: Neighbours) -> Neighbours:
    """``own`` with the neighbours the other direction's search found (:func:`add_reverse_neighbours`)."""
    return add_reverse_neighbours(own, *reverse_entries(other))


def _score_candidates(forward: Neighbours, backward: Neighbours, kind: MarginKind) -> np.ndarray:
    """Margin scores of every forward candidate: (queries, k)."""
    neighbourhood = (forward.mean_similarity[:, None] + backward.mean_similarity[forward.ids]) / 2
    return margin(forward.cosines, neighbourhood, kind)


def mine_from_neighbours(
    source_to_target: Neighbours,
    target_to_source: Neighbours,
    *,
    kind: MarginKind,
    mode: CandidateMode,
) -> MinedPairs:
    """Score k-NN candidates found both ways and select pairs by ``mode``, best first."""
    if mode not in MODES:
        raise ValueError(f"unknown candidate mode {mode!r}; choose one of {', '.join(MODES)}")
    forward_scores = _score_candidates(source_to_target, target_to_source, kind)
    backward_scores = _score_candidates(target_to_source, source_to_target, kind)
    forward_best = forward_scores.argmax(axis=1)
    backward_best = backward_scores.argmax(axis=1)
    sources = np.arange(len(forward_scores))
    targets = np.arange(len(backward_scores))
    forward = (sources, source_to_target.ids[sources, forward_best], forward_scores[sources, forward_best])
    backward = (
        target_to_source.ids[targets, backward_best],
        targets,
        backward_scores[targets, backward_best],
    )

    if mode == "forward":
        source_ids, target_ids, scores = forward
    elif mode == "backward":
        source_ids, target_ids, scores = backward
    elif mode == "intersect":
        mutual = backward[0][forward[1]] == sources
        source_ids, target_ids, scores = (part[mutual] for part in forward)
    else:
        source_ids, target_ids, scores = _each_sentence_once(
            *(np.concatenate(p) for p in zip(forward, backward, strict=True))
        )
    order = np.argsort(-scores, kind="stable")
    return MinedPairs(source_ids[order], target_ids[order], scores[order])


def _each_sentence_once(
    source_ids: np.ndarray, target_ids: np.ndarray, scores: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Greedy by score: keep a candidate only if neither of its sentences is already in a kept pair."""
    order = np.argsort(-scores, kind="stable")
    used_sources: set[int] = set()
    used_targets: set[int] = set()
    kept = []
    for position in order:
        source, target = int(source_ids[position]), int(target_ids[position])
        if source in used_sources or target in used_targets:
            continue
        used_sources.add(source)
        used_targets.add(target)
        kept.append(position)
    kept_array = np.asarray(kept, dtype=np.int64)
    return source_ids[kept_array], target_ids[kept_array], scores[kept_array]


def nearest(
    queries: np.ndarray,
    candidates: np.ndarray | VectorIndex,
    k: int,
    *,
    factory: str | None = None,
    nprobe: int = DEFAULT_NPROBE,
) -> Neighbours:
    """k-NN of ``queries`` among ``candidates`` (an index, or a matrix to index first)."""
    if isinstance(candidates, VectorIndex):
        index = candidates
    else:
        index = VectorIndex.build(candidates, factory=factory, nprobe=nprobe)
    cosines, ids = index.search(queries, k)
    return Neighbours(ids=ids, cosines=cosines)


def mine(
    source: np.ndarray,
    target: np.ndarray,
    config: MiningConfig | None = None,
    *,
    on_step: Callable[[str], None] | None = None,
) -> MinedPairs:
    """Mine translation pairs between two embedding matrices (L2-normalised rows), best first.

    ``config.factory`` picks the FAISS index (default: by size; ``"Flat"`` for exact search) and
    ``config.nprobe`` how many IVF lists an approximate one scans per query; with
    ``config.threshold`` only pairs scoring at least that are returned. ``on_step`` is told the
    name of each of the three long steps as it starts (the two searches, the scoring), for a
    progress display.
    """
    config = config or MiningConfig()
    step = on_step or (lambda name: None)
    source = check_embeddings(source, what="source embeddings")
    target = check_embeddings(target, source.shape[1], what="target embeddings")
    search = {"factory": config.factory, "nprobe": config.nprobe}
    step("k-NN search source→target")
    forward = nearest(source, target, config.k, **search)
    step("k-NN search target→source")
    backward = nearest(target, source, config.k, **search)
    step(f"margin scoring ({config.margin}, {config.mode})")
    if config.reverse_neighbours:
        forward, backward = (
            with_reverse_neighbours(forward, backward),
            with_reverse_neighbours(backward, forward),
        )
    pairs = mine_from_neighbours(forward, backward, kind=config.margin, mode=config.mode)
    return pairs if config.threshold is None else pairs.above(config.threshold)
