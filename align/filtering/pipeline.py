"""Filter a bitext (:class:`BitextFilter`) or score every pair of it (:class:`BitextScoring`).

A filter runs the stages in order of cost, and a pair leaves at the first one it fails:

1. *cleaning*: the training rules (:mod:`align.data.cleaning`: empty side, identical sides, too
   long, length ratio, duplicate);
2. *copies*: a target that repeats the source's words (:mod:`.copies`);
3. *language*: each side against its expected language (:class:`align.lid.PairLanguageCheck`);
4. *score*: the pair's encoder margin within the corpus (:mod:`.scores`) against a threshold,
   or the best ``keep_top`` fraction.

Stages 1–3 stream the bitext into files (:mod:`.survivors`). Stage 4 needs every survivor's
neighbours: in memory for a bitext that fits, or, when :attr:`BitextFilter.sharding` asks for it
(``--shard-size``, ``--work-dir``, ``--engine ray``), on the sharded mining pipeline's own
neighbour stages, embeddings on disk, resumable. The kept pairs are then streamed from the files
to the output. Outputs are written atomically.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from align.data.readers import CorpusSource, ReadStats
from align.embedding.loading import as_embedder
from align.encode import Encoder
from align.errors import AlignError
from align.filtering.config import FilterConfig, default_threshold
from align.filtering.scores import PairScores, score_in_shards, score_pairs
from align.filtering.survivors import BATCH, Survivors, first_stages, spaced_pairs
from align.lid.config import NO_LID
from align.lid.identifiers import DEFAULT_IDENTIFIER, load_identifier
from align.lid.pairs import PairLanguageCheck
from align.mining.config import MiningConfig
from align.mining.sharded.config import ShardingConfig
from align.mining.sharded.engines import make_engine
from align.mining.sharded.workdir import WorkDir, cache_key, input_fingerprint
from align.model_source import check_model_source
from align.outputs import atomic_path, check_output

logger = logging.getLogger(__name__)

STAGES = ("cleaning", "copies", "language", "score")


@dataclass
class FilterReport:
    """What a filter read, kept and dropped, by stage and reason."""

    read: int
    kept: int
    dropped: dict[str, Counter[str]]  # stage → reason → pairs
    threshold: float | None
    output: str
    rejected: str | None
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how the run went (a sharded run's reuse)

    def summary_lines(self) -> list[str]:
        """What ``align filter`` prints: a line per stage that dropped something, then the total."""
        lines = [f"warning: {warning}" for warning in self.warnings] + self.notes
        for stage in STAGES:
            reasons = self.dropped.get(stage)
            if reasons:
                detail = ", ".join(f"{reason} {count:,}" for reason, count in reasons.most_common())
                lines.append(f"  {stage}: dropped {sum(reasons.values()):,} ({detail})")
        kept = 100 * self.kept / self.read if self.read else 0.0
        threshold = f", margin threshold {self.threshold:.4f}" if self.threshold is not None else ""
        lines.append(
            f"Kept {self.kept:,} of {self.read:,} pairs ({kept:.1f} %){threshold}: wrote {self.output}"
        )
        if self.rejected:
            lines.append(
                f"Wrote the {self.read - self.kept:,} dropped pairs, each with its reason, to {self.rejected}"
            )
        return lines


@dataclass
class BitextFilter:
    """Filter the bitext ``source`` into ``output`` (``score<TAB>src<TAB>tgt``, input order).

    The same run as ``align filter``: configure it once, then :meth:`run`. ``model`` (a path, a hub
    name or a loaded encoder) scores the pairs; ``mining`` says how neighbours are searched and
    which margin is used; ``sharding`` whether they are searched in shards (then ``model`` must be
    a path or a name, which workers load); ``rejected`` names a TSV for the dropped pairs
    (``reason<TAB>src<TAB>tgt``).
    """

    source: CorpusSource
    output: str
    config: FilterConfig = field(default_factory=FilterConfig)
    mining: MiningConfig = field(default_factory=MiningConfig)
    model: str | Encoder | None = None
    rejected: str | None = None
    line_numbers: bool = False
    skip_bad_lines: bool = False
    force: bool = False
    batch_size: int | None = None
    sharding: ShardingConfig = field(default_factory=ShardingConfig)

    def run(self) -> FilterReport:
        """Run every stage and write the kept pairs (and, with ``rejected``, the dropped ones)."""
        self._check()
        check = None
        if self.config.languages.identifies:
            languages = self.config.languages
            check = PairLanguageCheck(
                self.source.source_lang,
                self.source.target_lang,
                languages.lid,
                script_rules=languages.script_rules,
            )
        if self.sharding.sharded:
            root = Path(self.sharding.work_dir or f"{self.output}.work")
            report = self._run_in(WorkDir.open(root, *self._inputs()), check)
            if self.sharding.work_dir is None:
                WorkDir(root).remove()
            return report
        with tempfile.TemporaryDirectory(prefix="align-filter-") as tmp:
            return self._run_in(WorkDir.open(tmp, *self._inputs()), check)

    def _check(self) -> None:
        """Everything that can fail before the reading starts."""
        if self.config.score and self.model is None:
            raise AlignError("scoring pairs needs an encoder: pass --model, or --no-score")
        if self.config.score and self.sharding.sharded and not isinstance(self.model, str | os.PathLike):
            raise AlignError("filtering in shards loads the model in each worker: pass its path or name")
        inputs = [self.source.path, self.source.target_path]
        for path in filter(None, (self.output, self.rejected)):
            check_output(path, force=self.force, inputs=inputs)
        if self.config.score and self.config.keep_top is None and self.config.score_threshold is None:
            default_threshold(self.mining.margin)  # an absolute margin fails now, not after the reading
        if self.config.score:
            check_model_source(self.model)

    def _inputs(self) -> tuple[str, str]:
        return self.source.path, self.source.target_path or self.source.path

    def _run_in(self, work: WorkDir, check: PairLanguageCheck | None) -> FilterReport:
        fingerprints = [input_fingerprint(path) for path in dict.fromkeys(self._inputs())]
        rules = (self.config.cleaning, self.config.max_copied, self.config.languages, self.skip_bad_lines)
        key = cache_key(fingerprints, self.source, rules)
        survivors = first_stages(
            self.source,
            work.stage("filter/survivors", key),
            self.config.cleaning,
            self.config.max_copied,
            check,
            skip_bad_lines=self.skip_bad_lines,
        )
        dropped = {stage: Counter(survivors.dropped.get(stage, {})) for stage in STAGES}
        scores = self._score(survivors, work) if self.config.score and survivors.kept else None
        threshold = None if scores is None else self._threshold(scores.margins)
        kept = self._write(survivors, scores, threshold, dropped)
        report = FilterReport(survivors.read, kept, dropped, threshold, self.output, self.rejected)
        read = ReadStats(survivors.undecodable, survivors.carriage_returns)
        report.warnings += read.warnings(self.source.describe())
        if self.sharding.sharded:
            report.notes.append(work.summary())
        return report

    def _score(self, survivors: Survivors, work: WorkDir) -> PairScores:
        """Stage 4: every survivor's cosine and margin, in memory or on the sharded pipeline."""
        assert self.model is not None
        if self.sharding.sharded:
            engine = make_engine(self.sharding)
            try:
                return score_in_shards(
                    str(self.model),
                    survivors.source_file,
                    survivors.target_file,
                    self.mining,
                    self.sharding,
                    work,
                    engine,
                )
            finally:
                engine.close()
        pairs = list(survivors.pairs())
        sources, targets = [p.source for p in pairs], [p.target for p in pairs]
        return score_pairs(as_embedder(self.model), sources, targets, self.mining, batch_size=self.batch_size)

    def _threshold(self, margins: np.ndarray) -> float:
        if self.config.keep_top is not None:
            count = max(1, round(self.config.keep_top * len(margins)))
            return float(np.sort(margins)[::-1][count - 1])
        if self.config.score_threshold is not None:
            return self.config.score_threshold
        return default_threshold(self.mining.margin)

    def _row(self, first: str, source: str, target: str, line: int | str) -> str:
        row = f"{first}\t{source}\t{target}"
        return row + (f"\t{line}\t{line}\n" if self.line_numbers else "\n")

    def _write(
        self,
        survivors: Survivors,
        scores: PairScores | None,
        threshold: float | None,
        dropped: dict[str, Counter[str]],
    ) -> int:
        """Stream the survivors to ``output`` (those scoring under ``threshold`` to ``rejected``)."""
        margins = None if scores is None else scores.margins
        lines = survivors.lines()
        kept = 0
        with ExitStack() as stack:
            out = stack.enter_context(
                open(stack.enter_context(atomic_path(self.output)), "w", encoding="utf-8")
            )
            rejected = None
            if self.rejected:
                rejected = stack.enter_context(
                    open(stack.enter_context(atomic_path(self.rejected)), "w", encoding="utf-8")
                )
                with open(survivors.rejected_file, encoding="utf-8") as earlier:
                    for row in earlier:
                        reason, source, target, line = row.rstrip("\n").split("\t")
                        rejected.write(self._row(reason, source, target, line))
            for row, pair in enumerate(survivors.pairs()):
                if margins is not None and margins[row] < threshold:
                    dropped["score"]["score"] += 1
                    if rejected is not None:
                        rejected.write(self._row(f"score: {margins[row]:.4f}", *pair, int(lines[row])))
                    continue
                score = f"{margins[row]:.6f}" if margins is not None else "nan"
                out.write(self._row(score, *pair, int(lines[row])))
                kept += 1
        return kept


SCORE_COLUMNS = ("line", "cosine", "margin", "src_lang", "src_lid", "tgt_lang", "tgt_lid", "src", "tgt")


@dataclass
class BitextScoring:
    """Score every pair of the bitext ``source`` into a TSV at ``output``, one row per pair read.

    Columns (:data:`SCORE_COLUMNS`, a header first): the pair's line, its cosine and margin within
    the corpus, each side's identified language and the identifier's confidence, and the two
    sentences (whitespace runs made one space). A pair with an empty side has empty scores.
    """

    source: CorpusSource
    output: str
    model: str | Encoder
    mining: MiningConfig = field(default_factory=MiningConfig)
    lid: str = DEFAULT_IDENTIFIER
    skip_bad_lines: bool = False
    force: bool = False
    batch_size: int | None = None

    def run(self) -> int:
        """Write the scores; return how many rows were written."""
        check_output(self.output, force=self.force, inputs=[self.source.path, self.source.target_path])
        check_model_source(self.model)
        identifier = load_identifier(self.lid) if self.lid != NO_LID else None
        lines, sources, targets = spaced_pairs(self.source, self.skip_bad_lines)
        if not lines:
            raise AlignError(f"{self.source.describe()}: no pairs to score (the input is empty)")
        full = [row for row, (s, t) in enumerate(zip(sources, targets, strict=True)) if s and t]
        cosines = np.full(len(lines), np.nan, dtype=np.float32)
        margins = cosines.copy()
        if full:
            scores = score_pairs(
                as_embedder(self.model),
                [sources[r] for r in full],
                [targets[r] for r in full],
                self.mining,
                batch_size=self.batch_size,
            )
            cosines[full], margins[full] = scores.cosines, scores.margins
        languages = [self._identify(identifier, texts) for texts in (sources, targets)]
        with atomic_path(self.output) as tmp, open(tmp, "w", encoding="utf-8") as handle:
            handle.write("\t".join(SCORE_COLUMNS) + "\n")
            for row, line in enumerate(lines):
                fields = [str(line), _number(cosines[row]), _number(margins[row])]
                for found in languages:
                    fields += found[row]
                handle.write("\t".join([*fields, sources[row], targets[row]]) + "\n")
        return len(lines)

    @staticmethod
    def _identify(identifier, texts: list[str]) -> list[tuple[str, str]]:
        """(language, confidence) of each text as TSV fields; empty where there is nothing to say."""
        if identifier is None:
            return [("", "")] * len(texts)
        out = []
        for start in range(0, len(texts), BATCH):
            chunk = texts[start : start + BATCH]
            for text, found in zip(chunk, identifier.identify(chunk), strict=True):
                out.append((found.language or "", f"{found.score:.4f}") if text else ("", ""))
        return out


def _number(value: float) -> str:
    return "" if np.isnan(value) else f"{value:.6f}"
