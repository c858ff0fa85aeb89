"""Encoder scores of aligned pairs: the cosine of each pair and its margin within the corpus.

Two ways to the same scores: in memory (:func:`score_pairs`), or on the sharded pipeline's
neighbour stages (:func:`score_in_shards`: embeddings on disk, the k-NN through an index per side,
on the local engine or Ray), for a bitext of any size.

The margin is the mining margin (:mod:`align.mining.margin`) applied to a given pair instead of a
candidate: the pair's cosine against the mean similarity of the source to its k nearest targets
and of the target to its k nearest sources, all within the corpus being filtered (LASER's corpus
filtering, Chaudhary et al. 2019). A cosine alone misjudges sentences that are close to
everything (short, generic lines); the margin corrects for it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from align.encode import Encoder, encode_to_memory_or_npy
from align.errors import AlignError
from align.mining.config import MiningConfig
from align.mining.margin import margin, nearest, with_reverse_neighbours
from align.mining.sharded.config import ShardingConfig
from align.mining.sharded.engines import Engine
from align.mining.sharded.search import ShardedSearch
from align.mining.sharded.workdir import WorkDir


@dataclass(frozen=True)
class PairScores:
    """Per pair: the cosine of its two sides and its margin (``config.margin``'s kind)."""

    cosines: np.ndarray
    margins: np.ndarray


def pair_cosines(sources: np.ndarray, targets: np.ndarray, chunk: int = 65_536) -> np.ndarray:
    """Row-wise cosines of two matrices of unit rows, a chunk at a time (they may be memory-mapped)."""
    out = np.empty(len(sources), dtype=np.float32)
    for start in range(0, len(sources), chunk):
        stop = start + chunk
        out[start:stop] = np.einsum("ij,ij->i", sources[start:stop], targets[start:stop], dtype=np.float32)
    return out


def score_embeddings(sources: np.ndarray, targets: np.ndarray, config: MiningConfig) -> PairScores:
    """Scores of the pairs (``sources[i]``, ``targets[i]``), neighbours searched as mining does."""
    cosines = pair_cosines(sources, targets)
    if len(sources) < 2:  # no other sentence to compare with: the margin is the cosine
        return PairScores(cosines, cosines.copy())
    k = min(config.k, len(sources))
    search = {"factory": config.factory, "nprobe": config.nprobe}
    forward = nearest(sources, targets, k, **search)
    backward = nearest(targets, sources, k, **search)
    if config.reverse_neighbours:
        forward, backward = (
            with_reverse_neighbours(forward, backward),
            with_reverse_neighbours(backward, forward),
        )
    neighbourhood = (forward.mean_similarity + backward.mean_similarity) / 2
    return PairScores(cosines, margin(cosines, neighbourhood, config.margin).astype(np.float32))


def score_pairs(
    model: Encoder,
    sources: Sequence[str],
    targets: Sequence[str],
    config: MiningConfig | None = None,
    *,
    batch_size: int | None = None,
) -> PairScores:
    """Encode both sides and score each pair (``sources[i]``, ``targets[i]``) within the corpus."""
    config = config or MiningConfig()
    with tempfile.TemporaryDirectory(prefix="align-score-") as work:
        source_matrix = encode_to_memory_or_npy(
            model, sources, Path(work) / "source.npy", batch_size=batch_size
        )
        target_matrix = encode_to_memory_or_npy(
            model, targets, Path(work) / "target.npy", batch_size=batch_size
        )
        return score_embeddings(source_matrix, target_matrix, config)


def score_in_shards(
    model: str,
    source_file: str | Path,
    target_file: str | Path,
    config: MiningConfig,
    sharding: ShardingConfig,
    work: WorkDir,
    engine: Engine,
) -> PairScores:
    """Scores of the pairs of two line-aligned files (no blank lines), through the sharded
    pipeline's neighbour stages under ``work``: each stage already finished there is reused."""
    found = ShardedSearch(model, str(source_file), str(target_file), config, sharding).run(work, engine)
    sources, targets = found.sides["source"], found.sides["target"]
    if sources.shards.counts != targets.shards.counts:
        raise AlignError(f"{source_file} and {target_file} are not line-aligned (blank lines?)")
    cosines = np.concatenate(
        [
            pair_cosines(np.load(source, mmap_mode="r"), np.load(target, mmap_mode="r"))
            for source, target in zip(sources.embedding_files(), targets.embedding_files(), strict=True)
        ]
    )
    neighbourhood = (found.means("forward") + found.means("backward")) / 2
    return PairScores(cosines, margin(cosines, neighbourhood, config.margin).astype(np.float32))
