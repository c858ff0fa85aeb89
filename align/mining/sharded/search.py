"""The neighbour stages of a sharded run: shard, embed, index, search (and turn round, and merge)
both ways, then each sentence's mean similarity to its neighbours.

What mining (:mod:`.pipeline`) and bitext filtering (:mod:`align.filtering`) both need from two
collections of any size: every sentence's k nearest neighbours on the other side and the mean of
their cosines, on disk under a :class:`~.workdir.WorkDir`, each stage reused when a re-run finds it
finished. Stages run on the engine (:mod:`.engines`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

import numpy as np

from align.coverage import warn_about_unknown_scripts
from align.embedding.loading import load_embedder
from align.encode import Encoder, model_digest
from align.errors import AlignError
from align.files import MAX_LINE_CHARS
from align.mining.config import MiningConfig
from align.mining.sharded.config import ShardingConfig
from align.mining.sharded.engines import Engine
from align.mining.sharded.shards import ShardSet, write_shards
from align.mining.sharded.stages import (
    EmbedTask,
    IndexTask,
    MergeTask,
    ReverseTask,
    SearchTask,
    build_index,
    embed_shard,
    merge_shard,
    reverse_part,
    reverse_shard,
    search_shard,
)
from align.mining.sharded.workdir import Stage, WorkDir, cache_key, input_fingerprint
from align.model_source import looks_like_path
from align.outputs import atomic_path

logger = logging.getLogger(__name__)


class _Task(Protocol):
    """Every stage task names the one file (or folder) it writes: there means done."""

    @property
    def output(self) -> str: ...


Task = TypeVar("Task", bound=_Task)
SIDES = ("source", "target")
DIRECTIONS = {"forward": ("source", "target"), "backward": ("target", "source")}  # queries, index
OTHER = {"forward": "backward", "backward": "forward"}


@dataclass
class Side:
    """What the stages know of one input as the run goes."""

    path: str
    shards: ShardSet
    embeddings: Stage
    index: Stage | None = None

    def embedding_files(self) -> list[str]:
        return [str(self.embeddings.path(f"{name}.npy")) for name in self.shards.names]


@dataclass(frozen=True)
class Neighbourhoods:
    """What the neighbour stages leave: both sides' shards and embeddings, and each direction's
    neighbour lists (``NNNNN.npz`` per query shard) with ``means.npy``, every query's mean
    similarity to its neighbours."""

    sides: dict[str, Side]
    lists: dict[str, Stage]

    def means(self, direction: str) -> np.ndarray:
        return np.load(self.lists[direction].path("means.npy"))


@dataclass
class ShardedSearch:
    """The neighbour stages of ``source`` × ``target`` with ``model``, as :attr:`mining` and
    :attr:`sharding` say; :meth:`run` them in a work directory."""

    model: str
    source: str
    target: str
    mining: MiningConfig = field(default_factory=MiningConfig)
    sharding: ShardingConfig = field(default_factory=ShardingConfig)
    skip_bad_lines: bool = False
    max_chars: int = MAX_LINE_CHARS

    def run(self, work: WorkDir, engine: Engine) -> Neighbourhoods:
        """Run every neighbour stage not already finished under ``work``."""
        model_name = _portable_name(self.model)
        model = load_embedder(model_name)
        digest = model_digest(model)
        sides = {
            side: self._shard_and_embed(work, engine, side, path, model, model_name, digest)
            for side, path in zip(SIDES, (self.source, self.target), strict=True)
        }
        del model
        self._index(work, engine, sides)
        searches = {direction: self._search(work, engine, direction, sides) for direction in DIRECTIONS}
        if self.mining.reverse_neighbours:
            reversed_ = {d: self._reverse(work, engine, d, sides, searches[d]) for d in DIRECTIONS}
            lists = {
                direction: self._merge(work, engine, direction, sides, searches, reversed_[OTHER[direction]])
                for direction in DIRECTIONS
            }
        else:
            lists = searches
        for stage in lists.values():
            _write_means(stage, [stage.path(f"{name}.npz") for name in _query_names(stage, sides)])
        return Neighbourhoods(sides, lists)

    def _shard_and_embed(
        self,
        work: WorkDir,
        engine: Engine,
        side: str,
        path: str,
        model: Encoder,
        model_name: str,
        digest: str,
    ) -> Side:
        shard_key = cache_key(
            input_fingerprint(path), self.sharding.lines_per_shard, self.skip_bad_lines, self.max_chars
        )
        shards = write_shards(
            path,
            work.stage(f"{side}/shards", shard_key),
            self.sharding.lines_per_shard,
            skip_bad_lines=self.skip_bad_lines,
            max_chars=self.max_chars,
        )
        logger.info(
            "%s: %s sentences in %d shards (%s blank lines skipped)",
            path,
            f"{shards.total:,}",
            len(shards.counts),
            f"{shards.blank:,}",
        )
        warn_about_unknown_scripts(model, shards.texts(shards.names[0]), path)
        stage = work.stage(f"{side}/embeddings", cache_key(shard_key, digest, self.sharding.embedding_dtype))
        tasks = [
            EmbedTask(
                model_name,
                str(shards.file(name, ".txt")),
                str(stage.path(f"{name}.npy")),
                self.sharding.embedding_dtype,
            )
            for name in shards.names
        ]
        run_missing(
            engine, embed_shard, tasks, stage, f"Embedding {side}", gpus=self.sharding.gpus_per_worker
        )
        return Side(path, shards, stage)

    def _index(self, work: WorkDir, engine: Engine, sides: dict[str, Side]) -> None:
        tasks = []
        for side, found in sides.items():
            found.index = work.stage(f"{side}/index", cache_key(found.embeddings.key, self.mining.factory))
            tasks.append(
                IndexTask(
                    tuple(found.embedding_files()),
                    self.mining.factory,
                    self.mining.nprobe,
                    str(found.index.path("index")),
                )
            )
        run_missing(engine, build_index, tasks, [s.index for s in sides.values()], "Indexing")

    def _search(self, work: WorkDir, engine: Engine, direction: str, sides: dict[str, Side]) -> Stage:
        queries, indexed = (sides[side] for side in DIRECTIONS[direction])
        assert indexed.index is not None
        key = cache_key(queries.embeddings.key, indexed.index.key, self.mining.k, self.mining.nprobe)
        stage = work.stage(f"{direction}/search", key)
        tasks = [
            SearchTask(
                str(indexed.index.path("index")),
                path,
                self.mining.k,
                self.mining.nprobe,
                str(stage.path(f"{name}.npz")),
            )
            for name, path in zip(queries.shards.names, queries.embedding_files(), strict=True)
        ]
        run_missing(engine, search_shard, tasks, stage, f"Searching {direction}")
        return stage

    def _reverse(
        self, work: WorkDir, engine: Engine, direction: str, sides: dict[str, Side], search: Stage
    ) -> Stage:
        """File ``direction``'s neighbours by the shard of the sentence each found."""
        queries, searched = (sides[side].shards for side in DIRECTIONS[direction])
        stage = work.stage(f"{direction}/reverse", cache_key(search.key))
        starts = tuple(int(start) for start in searched.starts)
        tasks = [
            ReverseTask(str(search.path(f"{name}.npz")), int(start), starts, str(stage.directory), name)
            for name, start in zip(queries.names, queries.starts, strict=True)
        ]
        run_missing(engine, reverse_shard, tasks, stage, f"Turning {direction} round")
        return stage

    def _merge(
        self,
        work: WorkDir,
        engine: Engine,
        direction: str,
        sides: dict[str, Side],
        searches: dict[str, Stage],
        reverse: Stage,
    ) -> Stage:
        """``direction``'s lists with the neighbours the other direction found merged in."""
        queries = sides[DIRECTIONS[direction][0]].shards
        others = sides[DIRECTIONS[direction][1]].shards.names
        stage = work.stage(f"{direction}/neighbours", cache_key(searches[direction].key, reverse.key))
        tasks = [
            MergeTask(
                str(searches[direction].path(f"{name}.npz")),
                tuple(str(reverse_part(reverse.directory, number, other)) for other in others),
                int(start),
                str(stage.path(f"{name}.npz")),
            )
            for number, (name, start) in enumerate(zip(queries.names, queries.starts, strict=True))
        ]
        run_missing(engine, merge_shard, tasks, stage, f"Merging {direction} neighbours")
        return stage


def _query_names(stage: Stage, sides: dict[str, Side]) -> list[str]:
    """The query shards of the direction whose stage this is (``forward/...``: the source's)."""
    direction = stage.name.split("/")[0]
    return sides[DIRECTIONS[direction][0]].shards.names


def _write_means(stage: Stage, neighbours: list[Path]) -> None:
    """``means.npy``: every query's mean similarity to its neighbours, all shards in order."""
    if stage.done("means.npy"):
        return
    means = [np.load(path)["cosines"].mean(axis=1) for path in neighbours]
    with atomic_path(stage.path("means.npy")) as tmp, open(tmp, "wb") as handle:
        np.save(handle, np.concatenate(means))


def _portable_name(model: str) -> str:
    """The model as a worker elsewhere can load it: a local path made absolute, a hub name as is."""
    path = Path(model).expanduser()
    if path.exists():
        return str(path.resolve())
    if looks_like_path(model):
        raise AlignError(f"could not load the model {model!r}: no such directory")
    return model


def run_missing(
    engine: Engine,
    function: Callable[[Task], object],
    tasks: Sequence[Task],
    stages: Stage | Sequence[Stage],
    description: str,
    *,
    gpus: float = 0,
) -> None:
    """Run the tasks whose output is not on disk yet, and count what was reused and made.

    ``stages`` is the stage of every task, or one per task. The wall time is the stages'; one call
    that makes several stages' outputs at once (both indexes) splits it evenly between them.
    """
    stage_of = [stages] * len(tasks) if isinstance(stages, Stage) else list(stages)
    missing = []
    for task, stage in zip(tasks, stage_of, strict=True):
        if Path(task.output).exists():
            stage.reused += 1
        else:
            missing.append((task, stage))
    if len(missing) < len(tasks):
        logger.info(
            "%s: %d of %d shards already done, reused", description, len(tasks) - len(missing), len(tasks)
        )
    started = time.perf_counter()
    engine.map(function, [task for task, _ in missing], description=description, gpus=gpus)
    seconds = time.perf_counter() - started
    made = {id(stage): stage for _, stage in missing}
    for _, stage in missing:
        stage.made += 1
    for stage in made.values():
        stage.seconds += seconds / len(made)
    logger.info("%s: %.1f s", description, seconds)
