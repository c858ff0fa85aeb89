"""Pair the documents of two collections that translate each other (``align docalign``).

Each document becomes one vector (:mod:`.embedding`); the pairs are then mined exactly as
``align mine`` mines sentences (:func:`align.mining.margin.mine`: k-NN both ways through
:mod:`align.index`, the margin, each document in at most one pair), so a document that resembles
every other (a hub) does not win them all. ``align_pairs`` then aligns each pair's sentences.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from align.docalign.config import DocalignConfig
from align.docalign.documents import Document
from align.docalign.embedding import document_embeddings
from align.encode import Encoder, TextEmbedder, text_embedder
from align.mining.config import MiningConfig
from align.mining.margin import mine
from align.outputs import atomic_path
from align.sentalign.aligner import align_sentences
from align.sentalign.config import SentalignConfig
from align.sentalign.documents import OutputFormat, write_alignment


@dataclass(frozen=True)
class DocumentPair:
    """A source document, the target document paired with it, and the pair's margin score."""

    source: str
    target: str
    score: float


def embed_documents(embed: TextEmbedder, documents: Sequence[Document], config: DocalignConfig) -> np.ndarray:
    """One unit row per document; each distinct sentence of the collection is embedded once."""
    distinct = dict.fromkeys(sentence for document in documents for sentence in document.sentences)
    rows = {sentence: row for row, sentence in enumerate(distinct)}
    matrix = embed(list(rows))
    per_document = [matrix[[rows[sentence] for sentence in document.sentences]] for document in documents]
    return document_embeddings(per_document, [document.sentences for document in documents], config)


def pair_documents(
    model: Encoder | TextEmbedder,
    sources: Sequence[Document],
    targets: Sequence[Document],
    config: DocalignConfig | None = None,
    mining: MiningConfig | None = None,
    *,
    batch_size: int | None = None,
) -> list[DocumentPair]:
    """The document pairs, best first; ``mining.threshold`` (if set) drops those scoring less."""
    config = config or DocalignConfig()
    embed = text_embedder(model, batch_size)
    source_vectors = embed_documents(embed, sources, config)
    target_vectors = embed_documents(embed, targets, config)
    found = mine(source_vectors, target_vectors, mining or MiningConfig())
    return [
        DocumentPair(sources[i].id, targets[j].id, float(score))
        for i, j, score in zip(found.source_ids, found.target_ids, found.scores, strict=True)
    ]


def write_pairs(pairs: Sequence[DocumentPair], output: str | os.PathLike) -> None:
    """``score<TAB>source id<TAB>target id`` a line, best first, written atomically."""
    with atomic_path(output) as tmp, open(tmp, "w", encoding="utf-8") as handle:
        for pair in pairs:
            handle.write(f"{pair.score:.6f}\t{pair.source}\t{pair.target}\n")


def alignment_name(pair: DocumentPair) -> str:
    """A file name for the pair's sentence alignment: the source id, with anything but letters,
    digits, ``.``, ``-`` and ``_`` made ``_`` (a directory's subfolders become ``__``)."""
    return re.sub(r"[^\w.-]", "_", pair.source.replace("/", "__")) + ".tsv"


def align_pairs(
    model: Encoder | TextEmbedder,
    pairs: Sequence[DocumentPair],
    sources: Sequence[Document],
    targets: Sequence[Document],
    directory: str | os.PathLike,
    config: SentalignConfig | None = None,
    *,
    format: OutputFormat = "tsv",
    batch_size: int | None = None,
) -> list[Path]:
    """Align the sentences of each pair into ``directory`` (one file a pair, :func:`alignment_name`);
    ``tsv`` by default, since split documents have no line numbers to point to."""
    embed = text_embedder(model, batch_size)
    source_by_id = {document.id: document.sentences for document in sources}
    target_by_id = {document.id: document.sentences for document in targets}
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for pair in pairs:
        source, target = source_by_id[pair.source], target_by_id[pair.target]
        links = align_sentences(embed, source, target, config)
        path = directory / alignment_name(pair)
        write_alignment(links, list(source), list(target), path, format)
        written.append(path)
    return written
