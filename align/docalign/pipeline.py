"""``align docalign`` as one call: read both collections, pair their documents, write the pairs,
and optionally align each pair's sentences."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from align.docalign.config import DocalignConfig
from align.docalign.documents import read_documents
from align.docalign.pairing import DocumentPair, align_pairs, pair_documents, write_pairs
from align.embedding.loading import as_embedder
from align.embedding.protocol import Embedder
from align.encode import Encoder
from align.errors import AlignError
from align.mining.config import MiningConfig
from align.model_source import check_model_source
from align.outputs import check_output
from align.sentalign.config import SentalignConfig, SplitConfig


@dataclass
class CollectionAlignment:
    """What :func:`align_collections` did: the pairs, the collection sizes, the sentence alignments."""

    pairs: list[DocumentPair]
    sizes: tuple[int, int]
    output: str
    alignments: list[Path] = field(default_factory=list)

    def summary_lines(self) -> list[str]:
        lines = [
            f"Wrote {len(self.pairs):,} document pairs to {self.output} "
            f"({self.sizes[0]:,} × {self.sizes[1]:,} documents)"
        ]
        if self.alignments:
            lines.append(
                f"Aligned the sentences of {len(self.alignments):,} pairs into {self.alignments[0].parent}/"
            )
        return lines


def align_collections(
    model: Encoder | Embedder | str,
    source: str | os.PathLike,
    target: str | os.PathLike,
    output: str | os.PathLike,
    config: DocalignConfig | None = None,
    mining: MiningConfig | None = None,
    splitting: SplitConfig | None = None,
    alignment: SentalignConfig | None = None,
    *,
    sentalign: str | os.PathLike | None = None,
    batch_size: int | None = None,
    force: bool = False,
) -> CollectionAlignment:
    """Pair the documents of ``source`` and ``target`` (directories or JSONL) into the TSV ``output``;
    with ``sentalign``, align each pair's sentences into that directory. The outputs, the split
    languages, the model's name and both collections are checked before the model loads."""
    check_output(output, force=force, inputs=[source, target])
    if sentalign is not None:
        check_output(sentalign, force=force, directory=True, inputs=[source, target])
    splitting = splitting or SplitConfig()
    languages = (None, None)
    if splitting.split:
        if splitting.src_lang is None or splitting.tgt_lang is None:
            raise AlignError("--split: pass --src-lang and --tgt-lang (a collection has no one file name)")
        languages = (splitting.src_lang, splitting.tgt_lang)
    check_model_source(model)
    sources, targets = read_documents(source, languages[0]), read_documents(target, languages[1])
    embedder = as_embedder(model)
    pairs = pair_documents(embedder, sources, targets, config, mining, batch_size=batch_size)
    write_pairs(pairs, output)
    done = CollectionAlignment(pairs, (len(sources), len(targets)), str(output))
    if sentalign is not None:
        done.alignments = align_pairs(
            embedder, pairs, sources, targets, sentalign, alignment, batch_size=batch_size
        )
    return done
