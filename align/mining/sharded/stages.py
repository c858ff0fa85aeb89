"""The per-shard work of a sharded run: *embed*, *index*, *search* and *score*, one task each.

Each task is a frozen dataclass of paths and settings and a top-level function that runs it, so an
engine can send it anywhere (:mod:`~align.mining.sharded.engines`): the local one calls it, Ray
pickles it to a worker. A task reads its inputs from the work directory, writes its one output
atomically and returns something small; models and indexes are loaded once per worker process.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from align.embedding.loading import load_embedder
from align.encode import Encoder, encode_to_npy
from align.index.settings import choose_factory
from align.index.vectors import VectorIndex, training_rows
from align.mining.config import MarginKind
from align.mining.margin import Neighbours, add_reverse_neighbours, margin, reverse_entries
from align.mining.sharded.shards import shard_name
from align.outputs import atomic_path

_HELD: dict[tuple[str, str], Encoder | VectorIndex] = {}


def _hold(kind: str, name: str, load: Callable[[str], Encoder | VectorIndex]) -> Encoder | VectorIndex:
    """A worker's one large object (a model or an index), loaded once and kept while the tasks
    that follow want the same one. Only one at a time, and the old one let go *before* the next
    loads: a worker embeds every shard, then builds and searches one side's index after the
    other, and at 2M × 2M two 2 GB indexes side by side took a worker to 7.3 GB (5.1 GB with both
    only while the second loaded)."""
    if (kind, name) not in _HELD:
        release_held()
        _HELD[kind, name] = load(name)
    return _HELD[kind, name]


def release_held() -> None:
    """Let the worker's model or index go (before a task that builds a large object itself)."""
    _HELD.clear()
    gc.collect()


def cached_encoder(name: str) -> Encoder:
    """The model, loaded once per worker: a worker embeds many shards with it."""
    return _hold("model", name, load_embedder)


def cached_index(directory: str) -> VectorIndex:
    """An index, loaded once per worker: every query shard of one direction searches it."""
    return _hold("index", directory, VectorIndex.load)


def save_arrays(path: str | Path, **arrays: np.ndarray) -> None:
    """Write ``arrays`` to an ``.npz`` file atomically: a file that exists is whole."""
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez(handle, **arrays)


@dataclass(frozen=True)
class EmbedTask:
    """Encode one shard's sentences into a ``.npy`` matrix of ``dtype``."""

    model: str
    texts: str
    output: str
    dtype: str = "float32"


def embed_shard(task: EmbedTask) -> int:
    texts = Path(task.texts).read_text(encoding="utf-8").split("\n")[:-1]
    encode_to_npy(
        cached_encoder(task.model), texts, task.output, precision=task.dtype, show_progress_bar=False
    )
    return len(texts)


@dataclass(frozen=True)
class IndexTask:
    """Build one side's index: train it on a sample of all its shards, then add them in order."""

    embeddings: tuple[str, ...]
    factory: str | None
    nprobe: int
    output: str
    seed: int = 0


def build_index(task: IndexTask) -> str:
    """Build and save the index; returns the factory string it used.

    The training sample is drawn as :meth:`VectorIndex.build` draws it from one matrix, so the
    sharded and in-memory paths build the same index. Besides the index only the sample and one
    shard are in memory: each shard is read whole, added and let go, one at a time. (Memory-mapping
    them all kept every page touched resident: 4 GB more for a side of 2M at 512 dimensions.) The
    index reserves its stores first (:meth:`VectorIndex.reserve`), and no model is held beside it.
    """
    release_held()
    counts = [shard_rows(path) for path in task.embeddings]
    count, dimension = sum(rows for rows, _ in counts), counts[0][1]
    factory = task.factory or choose_factory(count, dimension)
    index = VectorIndex.create(dimension, factory, nprobe=task.nprobe)
    if not index.is_trained:
        rows = training_rows(count, index.training_sample_size, task.seed)
        index.train(gather_rows(task.embeddings, rows))
    index.reserve(count)
    for path in task.embeddings:
        index.add(np.load(path))  # float16 stays float16 here: add converts a batch at a time
    index.save(task.output)
    return factory


def shard_rows(path: str) -> tuple[int, int]:
    """(rows, dimension) of an embedding shard, from its header alone."""
    return np.load(path, mmap_mode="r").shape


def gather_rows(paths: Sequence[str], rows: np.ndarray) -> np.ndarray:
    """The given global rows (sorted) of the shards' matrices stacked in order, without stacking
    them: one shard mapped at a time."""
    parts, start = [], 0
    for path in paths:
        shard = np.load(path, mmap_mode="r")
        local = rows[(rows >= start) & (rows < start + len(shard))] - start
        parts.append(np.asarray(shard[local], dtype=np.float32))
        start += len(shard)
        del shard
    return np.concatenate(parts)


@dataclass(frozen=True)
class SearchTask:
    """The ``k`` nearest neighbours of one query shard in the other side's index."""

    index: str
    queries: str
    k: int
    nprobe: int
    output: str


def search_shard(task: SearchTask) -> int:
    index = cached_index(task.index)
    index.set_nprobe(task.nprobe)
    cosines, ids = index.search(np.load(task.queries), task.k)  # converted a batch at a time
    save_arrays(task.output, ids=ids, cosines=cosines)
    return len(ids)


def load_neighbours(path: str) -> Neighbours:
    with np.load(path) as found:
        return Neighbours(ids=found["ids"], cosines=found["cosines"])


@dataclass(frozen=True)
class ReverseTask:
    """Turn one query shard's neighbours round (:func:`align.mining.margin.reverse_entries`) and
    file the entries by the shard of the sentence each one found, for :class:`MergeTask`."""

    neighbours: str
    start: int  # global row of this shard's first query
    found_starts: tuple[int, ...]  # global first row of each shard on the side it searched
    directory: str
    name: str

    @property
    def output(self) -> str:
        """Written last: the shard's entries are all filed."""
        return str(Path(self.directory) / f"from-{self.name}.done")

    def part(self, shard: int) -> Path:
        return reverse_part(self.directory, shard, self.name)


def reverse_part(directory: str | Path, shard: int, source: str) -> Path:
    """Where :class:`ReverseTask` files the entries of query shard ``source`` for shard ``shard``."""
    return Path(directory) / f"{shard_name(shard)}.from-{source}.npz"


def reverse_shard(task: ReverseTask) -> int:
    rows, queries, cosines = reverse_entries(load_neighbours(task.neighbours), task.start)
    shard_of = np.searchsorted(np.asarray(task.found_starts), rows, side="right") - 1
    for shard in range(len(task.found_starts)):
        mine = shard_of == shard
        save_arrays(task.part(shard), rows=rows[mine], candidates=queries[mine], cosines=cosines[mine])
    with atomic_path(task.output) as tmp:
        tmp.write_text("done\n", encoding="utf-8")
    return len(rows)


@dataclass(frozen=True)
class MergeTask:
    """One shard's neighbour lists with the entries the other direction filed for it merged in."""

    neighbours: str
    parts: tuple[str, ...]
    start: int
    output: str


def merge_shard(task: MergeTask) -> int:
    columns: dict[str, list[np.ndarray]] = {"rows": [], "candidates": [], "cosines": []}
    for part in task.parts:
        with np.load(part) as found:
            for name, values in columns.items():
                values.append(found[name])
    extra = (np.concatenate(values) for values in columns.values())
    merged = add_reverse_neighbours(load_neighbours(task.neighbours), *extra, start=task.start)
    save_arrays(task.output, ids=merged.ids, cosines=merged.cosines)
    return len(merged.ids)


@dataclass(frozen=True)
class ScoreTask:
    """Margin scores of one query shard's candidates; keeps each query's best.

    ``other_means`` is the mean neighbour similarity of every sentence on the other side (one
    float each, memory-mapped), ``start`` the global row of the shard's first query.
    """

    neighbours: str
    other_means: str
    start: int
    kind: MarginKind
    output: str


def score_shard(task: ScoreTask) -> int:
    found = load_neighbours(task.neighbours)
    ids, cosines = found.ids, found.cosines
    other = np.load(task.other_means, mmap_mode="r")
    neighbourhood = (cosines.mean(axis=1)[:, None] + other[ids]) / 2
    scores = margin(cosines, neighbourhood, task.kind)
    best = scores.argmax(axis=1)
    rows = np.arange(len(ids))
    save_arrays(task.output, candidates=ids[rows, best], scores=scores[rows, best])
    return len(ids)
