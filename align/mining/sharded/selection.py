"""The *selection* stage: pairs from every shard's best candidates, as :func:`align.mining.mine` picks them.

Each score shard holds, for its queries, the best candidate and its margin score. The modes are
the in-memory ones (:func:`align.mining.margin.mine_from_neighbours`): ``forward``, ``backward``,
``intersect`` (mutual best) and ``max`` (both directions' candidates, best first, each sentence at
most once). ``max`` is global: it is a k-way sort-merge of the shards, each sorted alone, with
one bit a sentence to remember which are taken, so the driver holds one shard's candidates and
the pairs kept, never every candidate at once.

Ties are broken as the in-memory path breaks them (forward candidates in source order, then
backward ones in target order), so both give the same pairs in the same order.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence

import numpy as np

from align.mining.config import CandidateMode
from align.mining.margin import MinedPairs

Candidate = tuple[float, int, int, int, float]  # (-score, tie order, source, target, score)


def _shard_candidates(
    path: str, start: int, tie_base: int, forward: bool, keep: np.ndarray | None = None
) -> Iterator[Candidate]:
    """One score shard's candidates, best first; ``keep`` (per query) drops some."""
    with np.load(path) as found:
        candidates, scores = found["candidates"], found["scores"]
    queries = np.arange(start, start + len(scores), dtype=np.int64)
    if keep is not None:
        queries, candidates, scores = queries[keep], candidates[keep], scores[keep]
    order = np.argsort(-scores, kind="stable")
    queries, candidates, scores = queries[order], candidates[order], scores[order]
    sources, targets = (queries, candidates) if forward else (candidates, queries)
    for query, source, target, score in zip(
        queries.tolist(), sources.tolist(), targets.tolist(), scores.tolist(), strict=True
    ):
        yield -score, tie_base + query, source, target, score


def select_pairs(
    forward: Sequence[str],
    forward_starts: Sequence[int],
    backward: Sequence[str],
    backward_starts: Sequence[int],
    sizes: tuple[int, int],
    mode: CandidateMode,
) -> MinedPairs:
    """Pairs by ``mode`` from the forward (source → target) and backward score shards, best first."""
    source_count, target_count = sizes
    streams: list[Iterator[Candidate]] = []
    if mode in ("forward", "max"):
        streams += [_shard_candidates(p, s, 0, True) for p, s in zip(forward, forward_starts, strict=True)]
    if mode in ("backward", "max"):
        streams += [
            _shard_candidates(p, s, source_count, False)
            for p, s in zip(backward, backward_starts, strict=True)
        ]
    if mode == "intersect":
        best_source = np.empty(target_count, dtype=np.int64)
        for path, start in zip(backward, backward_starts, strict=True):
            with np.load(path) as found:
                best_source[start : start + len(found["candidates"])] = found["candidates"]
        for path, start in zip(forward, forward_starts, strict=True):
            with np.load(path) as found:
                mutual = best_source[found["candidates"]] == np.arange(
                    start, start + len(found["candidates"])
                )
            streams.append(_shard_candidates(path, start, 0, True, keep=mutual))
    merged = heapq.merge(*streams)
    if mode == "max":
        merged = _each_sentence_once(merged, source_count, target_count)
    kept = list(merged)
    return MinedPairs(
        np.fromiter((c[2] for c in kept), dtype=np.int64, count=len(kept)),
        np.fromiter((c[3] for c in kept), dtype=np.int64, count=len(kept)),
        np.fromiter((c[4] for c in kept), dtype=np.float32, count=len(kept)),
    )


def _each_sentence_once(
    candidates: Iterator[Candidate], source_count: int, target_count: int
) -> Iterator[Candidate]:
    """Greedy, best first: a candidate whose source or target is already paired is skipped."""
    used_sources = np.zeros(source_count, dtype=bool)
    used_targets = np.zeros(target_count, dtype=bool)
    for candidate in candidates:
        source, target = candidate[2], candidate[3]
        if used_sources[source] or used_targets[target]:
            continue
        used_sources[source] = used_targets[target] = True
        yield candidate
