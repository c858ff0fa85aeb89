"""Align the sentences of two documents, in order: embed every run of consecutive sentences, then
find the cheapest monotone path of links (:mod:`.dynamic`), within the band a coarser alignment
marks out when the documents are long (:mod:`.search`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from align.encode import Encoder, TextEmbedder, text_embedder
from align.errors import AlignError
from align.sentalign.config import SentalignConfig
from align.sentalign.dynamic import align_runs, link_types, run_lengths, with_norms
from align.sentalign.links import Link
from align.sentalign.search import search_band


def run_texts(sentences: Sequence[str], size: int) -> list[str]:
    """Every run of ``size`` consecutive sentences, joined with a space."""
    return [" ".join(sentences[i : i + size]) for i in range(len(sentences) - size + 1)]


def embed_runs(embed: TextEmbedder, sentences: Sequence[str], max_run: int) -> list[np.ndarray]:
    """``[a - 1]``: the embeddings of every run of ``a`` sentences, for a = 1 .. max_run (those that fit)."""
    sizes = [size for size in range(1, max_run + 1) if size <= len(sentences)]
    texts = [text for size in sizes for text in run_texts(sentences, size)]
    matrix = embed(texts)
    runs, start = [], 0
    for size in sizes:
        count = len(sentences) - size + 1
        runs.append(matrix[start : start + count])
        start += count
    return runs


def align_sentences(
    model: Encoder | TextEmbedder,
    sources: Sequence[str],
    targets: Sequence[str],
    config: SentalignConfig | None = None,
    *,
    batch_size: int | None = None,
) -> list[Link]:
    """The links between two documents' sentences, in order, each scored with the cosine of its
    two sides (deletions unscored). ``model`` is a sentence-transformers model or any function
    from texts to unit rows (:func:`text_embedder`)."""
    config = config or SentalignConfig()
    if not sources or not targets:
        raise AlignError("both documents need at least one sentence")
    embed = text_embedder(model, batch_size)
    source_runs = embed_runs(embed, sources, config.max_concat)
    target_runs = embed_runs(embed, targets, config.max_concat)
    lengths = run_lengths(sources, config.max_concat), run_lengths(targets, config.max_concat)
    source, target = with_norms(source_runs, target_runs, config.samples, lengths=lengths)
    types = [
        (a, b)
        for a, b in link_types(config.max_concat, config.max_link)
        if a <= len(source_runs) and b <= len(target_runs)
    ]
    band = search_band(source_runs[0], target_runs[0], config.deletion, config.width, config.samples)
    links = align_runs(source, target, types, config.costs, band)
    return [_scored(link, source_runs, target_runs) for link in links]


def _scored(link: Link, source_runs: list[np.ndarray], target_runs: list[np.ndarray]) -> Link:
    if not link.source or not link.target:
        return link
    x = source_runs[len(link.source) - 1][link.source[0]]
    y = target_runs[len(link.target) - 1][link.target[0]]
    return Link(link.source, link.target, float(x @ y))
