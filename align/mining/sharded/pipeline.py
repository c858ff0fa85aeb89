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

Stages 1–4 are :class:`~.search.ShardedSearch`'s, which bitext filtering shares. Stages 2–5 run
on the engine (:mod:`.engines`); a re-run skips every output already on disk. With
an exact index (``Flat``) the pairs and scores are those of :func:`align.mining.files.mine_files`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from align.files import MAX_LINE_CHARS
from align.lid.config import LidConfig
from align.lid.pairs import PairLanguageCheck
from align.mining.config import MiningConfig
from align.mining.files import MiningReport, check_gold, keep_and_write, read_gold
from align.mining.sharded.config import ShardingConfig
from align.mining.sharded.engines import Engine, make_engine
from align.mining.sharded.search import DIRECTIONS, OTHER, ShardedSearch, Side, run_missing
from align.mining.sharded.selection import select_pairs
from align.mining.sharded.shards import ShardRows
from align.mining.sharded.stages import ScoreTask, score_shard
from align.mining.sharded.workdir import Stage, WorkDir, cache_key
from align.model_source import check_model_source
from align.outputs import check_output

logger = logging.getLogger(__name__)


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
    languages: LidConfig | None = None  # check the mined pairs' languages (align.lid)
    max_chars: int = MAX_LINE_CHARS  # longer lines are skipped (align.files.LineGuard)

    @property
    def work_dir(self) -> Path:
        return Path(self.sharding.work_dir or f"{self.output}.work")

    def run(self) -> MiningReport:
        """Run every stage not already finished in the work directory, and write the TSV.

        Without an explicit ``work_dir`` the default one is removed once the TSV is written; a run
        that fails keeps it, and says so, since running the same command again resumes from it.
        Everything that can be checked before the model loads is: the output, the model's name, the
        gold pairs against the inputs.
        """
        check_output(self.output, force=self.force, inputs=[self.source, self.target, self.gold])
        check_model_source(self.model)
        if self.gold:
            reading = {"skip_bad_lines": self.skip_bad_lines, "max_chars": self.max_chars}
            check_gold(self.gold, self.source, self.target, **reading)
        check = PairLanguageCheck.from_config(self.languages) if self.languages else None
        work = WorkDir.open(self.work_dir, self.source, self.target)
        engine = make_engine(self.sharding)
        try:
            report = self._run(work, engine, check)
        except BaseException:
            logger.warning(
                "the finished stages are kept in %s: running the same command again resumes from them "
                "(remove the directory to start afresh)",
                self.work_dir,
            )
            raise
        finally:
            engine.close()
        if self.sharding.work_dir is None:
            work.remove()
        return report

    def _run(self, work: WorkDir, engine: Engine, check: PairLanguageCheck | None) -> MiningReport:
        search = ShardedSearch(
            self.model,
            self.source,
            self.target,
            self.mining,
            self.sharding,
            self.skip_bad_lines,
            self.max_chars,
        )
        found = search.run(work, engine)
        sides, lists = found.sides, found.lists
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
        warnings = [warning for side in sides.values() for warning in side.shards.warnings()]
        report = keep_and_write(
            pairs, rows, self.output, self.mining, gold, self.gold, self.line_numbers, warnings, check
        )
        report.notes.append(work.summary())
        return report

    def _score(
        self,
        work: WorkDir,
        engine: Engine,
        direction: str,
        sides: dict[str, Side],
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
        run_missing(engine, score_shard, tasks, stage, f"Scoring {direction}")
        return [task.output for task in tasks]
