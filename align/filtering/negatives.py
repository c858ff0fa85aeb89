"""``align mine-negatives``: the hardest negatives of every pair of a bitext, written for other
trainers in sentence-transformers' n-tuple format (``anchor``, ``positive``, ``negative_1`` …).

The pairs are read and embedded as ``align score`` reads and embeds them; the negatives are found
by :func:`align.mining.negatives.hard_negatives`, with the copies of a pair's source or target
never counted as its negatives.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from align.data.readers import CorpusSource
from align.embedding.loading import as_embedder
from align.encode import Encoder, encode_texts
from align.errors import AlignError
from align.filtering.survivors import spaced_pairs
from align.mining.config import MiningConfig
from align.mining.negatives import hard_negatives, text_groups
from align.model_source import check_model_source
from align.outputs import atomic_path, check_output


@dataclass(frozen=True)
class NegativesReport:
    pairs: int  # read, with both sides
    written: int  # with all their negatives
    output: str

    def summary(self) -> str:
        short = self.pairs - self.written
        left = f"; {short:,} had fewer candidates than asked for and were left out" if short else ""
        return (
            f"Wrote {self.written:,} of {self.pairs:,} pairs with their hard negatives to {self.output}{left}"
        )


@dataclass
class HardNegativeMining:
    """Find ``negatives`` hard negatives for every pair of ``source`` (by ``model``, with the
    margin and index of ``mining``) and write them to the TSV ``output``, a header first."""

    source: CorpusSource
    output: str
    model: str | Encoder
    negatives: int = 3
    mining: MiningConfig = field(default_factory=MiningConfig)
    skip_bad_lines: bool = False
    force: bool = False
    batch_size: int | None = None

    def run(self) -> NegativesReport:
        check_output(self.output, force=self.force, inputs=[self.source.path, self.source.target_path])
        check_model_source(self.model)
        _, all_sources, all_targets = spaced_pairs(self.source, self.skip_bad_lines)
        full = [(s, t) for s, t in zip(all_sources, all_targets, strict=True) if s and t]
        sources, targets = [s for s, _ in full], [t for _, t in full]
        if len(sources) <= self.negatives:
            few = f"{len(sources):,} pairs cannot give each {self.negatives} negatives"
            raise AlignError(f"{self.source.describe()}: {few}")
        embedder = as_embedder(self.model)
        source_rows = encode_texts(embedder, sources, batch_size=self.batch_size)
        target_rows = encode_texts(embedder, targets, batch_size=self.batch_size)
        chosen, _ = hard_negatives(
            source_rows,
            target_rows,
            self.negatives,
            groups=(text_groups(sources), text_groups(targets)),
            kind=self.mining.margin,
            k=self.mining.k,
            factory=self.mining.factory,
            nprobe=self.mining.nprobe,
        )
        complete = np.flatnonzero((chosen >= 0).all(axis=1))
        header = ["anchor", "positive", *(f"negative_{n}" for n in range(1, self.negatives + 1))]
        with atomic_path(self.output) as tmp, open(tmp, "w", encoding="utf-8") as handle:
            handle.write("\t".join(header) + "\n")
            for row in complete.tolist():
                negatives = [targets[column] for column in chosen[row].tolist()]
                handle.write("\t".join([sources[row], targets[row], *negatives]) + "\n")
        return NegativesReport(len(sources), len(complete), self.output)
