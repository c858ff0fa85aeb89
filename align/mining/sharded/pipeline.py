"""A sharded, resumable mining run: configure it once, then :meth:`ShardedMining.run`.

The stages, each under its own keyed folder of the work directory (:mod:`.workdir`):

1. *shard* each input into files of ``shard_size`` sentences (:mod:`.shards`);
2. *embed* each shard to a ``.npy`` matrix;
3. *index* each side: train one FAISS index on a sample of its shards, then add them all;
4. *search*: the ``k`` nearest neighbours of every shard in the other side's index, both ways;
   with ``reverse_neighbours`` (the default), each direction's hits are filed by the shard of the
   sentence they found (*reverse*) and merged into that sentence's own list (*neighbours*), as
   :func:`align.mining.margin.with_reverse_neighbours` does in memory; then each sentence's mean
   neighbour similarity;
5. *score*: margin scores of each shard's candidates, the best kept per sentence;
6. *select* pairs by the mode, a sort-merge over the score shards (:mod:`.selection`), then
   calibrate, threshold and write the TSV as the in-memory path does
   (:func:`align.mining.files.keep_and_write`).

Stages 2–5 run on the engine (:mod:`.engines`); a re-run skips every output already on disk. With
an exact index (``Flat``) the pairs and scores are those of :func:`align.mining.files.mine_files`.
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
from align.encode import Encoder, load_encoder, looks_like_path, model_digest
from align.errors import AlignError
from align.mining.config import MiningConfig
from align.mining.files import MiningReport, keep_and_write, read_gold, skipped_line_warnings
from align.mining.sharded.config import ShardingConfig
from align.mining.sharded.engines import Engine, make_engine
from align.mining.sharded.selection import select_pairs
from align.mining.sharded.shards import ShardRows, ShardSet, write_shards
from align.mining.sharded.stages import (
    EmbedTask,
    IndexTask,
    MergeTask,
    ReverseTask,
    ScoreTask,
    SearchTask,
    build_index,
    embed_shard,
    merge_shard,
    reverse_part,
    reverse_shard,
    score_shard,
    search_shard,
)
from align.mining.sharded.workdir import Stage, WorkDir, cache_key, input_fingerprint
from align.outputs import atomic_path, check_output

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
class _Side:
    """What the stages know of one input as the run goes."""

    path: str
    shards: ShardSet
    embeddings: Stage
    index: Stage | None = None

    def embedding_files(self) -> list[str]:
        return [str(self.embeddings.path(f"{name}.npy")) for name in self.shards.names]


@dataclass
class ShardedMining:
    """Mine ``source`` × ``target`` with ``model`` into the TSV ``output``, in shards.

    The same run as ``align mine SRC TGT -o OUTPUT --model MODEL --shard-size N [--engine ray]``;
    :attr:`sharding` says where the shards go and which engine runs them, :attr:`mining` how pairs
    are found (as for :func:`align.mining.files.mine_files`).
    """

    model: str
    source: str
    target: str
    output: str
    mining: MiningConfig = field(default_factory=MiningConfig)
    sharding: ShardingConfig = field(default_factory=ShardingConfig)
    gold: str | None = None
    line_numbers: bool = False
    skip_bad_lines: bool = False
    force: bool = False

    @property
    def work_dir(self) -> Path:
        return Path(self.sharding.work_dir or f"{self.output}.work")

    def run(self) -> MiningReport:
        """Run every stage not already finished in the work directory, and write the TSV.

        Without an explicit ``work_dir`` the default one is removed once the TSV is written.
        """
        check_output(self.output, force=self.force, inputs=[self.source, self.target, self.gold])
        work = WorkDir.open(self.work_dir, self.source, self.target)
        engine = make_engine(self.sharding)
        try:
            report = self._run(work, engine)
        finally:
            engine.close()
        if self.sharding.work_dir is None:
            work.remove()
        return report

    def _run(self, work: WorkDir, engine: Engine) -> MiningReport:
        model_name = _portable_name(self.model)
        model = load_encoder(model_name)
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
        scores = {direction: self._score(work, engine, direction, sides, lists) for direction in DIRECTIONS}
        started = time.perf_counter()
        pairs = select_pairs(
            scores["forward"],
            sides["source"].shards.starts.tolist(),
            scores["backward"],
            sides["target"].shards.starts.tolist(),
            (sides["source"].shards.total, sides["target"].shards.total),
            self.mining.mode,
        )
        logger.info(
            "Selected %s pairs (%s) in %.1f s",
            f"{len(pairs):,}",
            self.mining.mode,
            time.perf_counter() - started,
        )
        rows = ShardRows(sides["source"].shards), ShardRows(sides["target"].shards)
        gold = read_gold(self.gold, *rows) if self.gold else None
        warnings = skipped_line_warnings([(s.path, s.shards.undecodable) for s in sides.values()])
        report = keep_and_write(
            pairs, rows, self.output, self.mining, gold, self.gold, self.line_numbers, warnings
        )
        report.notes.append(work.summary())
        return report

    def _shard_and_embed(
        self,
        work: WorkDir,
        engine: Engine,
        side: str,
        path: str,
        model: Encoder,
        model_name: str,
        digest: str,
    ) -> _Side:
        shard_key = cache_key(input_fingerprint(path), self.sharding.lines_per_shard, self.skip_bad_lines)
        shards = write_shards(
            path,
            work.stage(f"{side}/shards", shard_key),
            self.sharding.lines_per_shard,
            skip_bad_lines=self.skip_bad_lines,
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
        _run_missing(
            engine, embed_shard, tasks, stage, f"Embedding {side}", gpus=self.sharding.gpus_per_worker
        )
        return _Side(path, shards, stage)

    def _index(self, work: WorkDir, engine: Engine, sides: dict[str, _Side]) -> None:
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
        _run_missing(engine, build_index, tasks, [s.index for s in sides.values()], "Indexing")

    def _search(self, work: WorkDir, engine: Engine, direction: str, sides: dict[str, _Side]) -> Stage:
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
        _run_missing(engine, search_shard, tasks, stage, f"Searching {direction}")
        return stage

    def _reverse(
        self, work: WorkDir, engine: Engine, direction: str, sides: dict[str, _Side], search: Stage
    ) -> Stage:
        """File ``direction``'s neighbours by the shard of the sentence each found."""
        queries, searched = (sides[side].shards for side in DIRECTIONS[direction])
        stage = work.stage(f"{direction}/reverse", cache_key(search.key))
        starts = tuple(int(start) for start in searched.starts)
        tasks = [
            ReverseTask(str(search.path(f"{name}.npz")), int(start), starts, str(stage.directory), name)
            for name, start in zip(queries.names, queries.starts, strict=True)
        ]
        _run_missing(engine, reverse_shard, tasks, stage, f"Turning {direction} round")
        return stage

    def _merge(
        self,
        work: WorkDir,
        engine: Engine,
        direction: str,
        sides: dict[str, _Side],
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
        _run_missing(engine, merge_shard, tasks, stage, f"Merging {direction} neighbours")
        return stage

    def _score(
        self,
        work: WorkDir,
        engine: Engine,
        direction: str,
        sides: dict[str, _Side],
        lists: dict[str, Stage],
    ) -> list[str]:
        """Margin scores of ``direction``'s candidates, from both directions' neighbour lists."""
        queries = sides[DIRECTIONS[direction][0]]
        other = lists[OTHER[direction]]
        key = cache_key(lists[direction].key, other.key, self.mining.margin)
        stage = work.stage(f"{direction}/scores", key)
        tasks = [
            ScoreTask(
                str(lists[direction].path(f"{name}.npz")),
                str(other.path("means.npy")),
                int(start),
                self.mining.margin,
                str(stage.path(f"{name}.npz")),
            )
            for name, start in zip(queries.shards.names, queries.shards.starts, strict=True)
        ]
        _run_missing(engine, score_shard, tasks, stage, f"Scoring {direction}")
        return [task.output for task in tasks]


def _query_names(stage: Stage, sides: dict[str, _Side]) -> list[str]:
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


def _run_missing(
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
