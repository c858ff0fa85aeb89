"""Exact nearest neighbours across languages, for small collections and quick inspection.

Large collections belong in a FAISS index; this is the brute-force version that needs none.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from align.embedding.loading import as_embedder
from align.embedding.protocol import Embedder
from align.encode import Encoder, encode_texts
from align.errors import AlignError
from align.files import MAX_LINE_CHARS
from align.model_source import check_model_source
from align.sentences import Collection, read_collection


def nearest_neighbours(
    model: Encoder | Embedder | str, queries: Sequence[str], candidates: Sequence[str], *, top_k: int = 1
) -> list[list[tuple[int, float]]]:
    """For each query, the ``top_k`` (candidate index, cosine) pairs, most similar first."""
    if top_k < 1:
        raise AlignError(f"top_k must be at least 1, got {top_k}")
    model = as_embedder(model)
    similarities = encode_texts(model, queries) @ encode_texts(model, candidates).T
    top_k = min(top_k, len(candidates))
    best = np.argsort(-similarities, axis=1, kind="stable")[:, :top_k]
    return [
        [(int(index), float(row[index])) for index in indices]
        for row, indices in zip(similarities, best, strict=True)
    ]


@dataclass(frozen=True)
class FileNeighbours:
    """The sentences of two files and each query's nearest candidates (:func:`nearest_neighbours`)."""

    queries: Collection
    candidates: Collection
    hits: list[list[tuple[int, float]]]

    def warnings(self) -> list[str]:
        return [*self.queries.warnings(), *self.candidates.warnings()]

    def report(self) -> str:
        """Each query, then its candidates indented with their cosines: what ``align neighbours``
        prints."""
        lines: list[str] = []
        for query, hits in zip(self.queries.texts, self.hits, strict=True):
            lines.append(query)
            lines += [f"    {score:.3f}  {self.candidates.texts[index]}" for index, score in hits]
        return "\n".join(lines)


def file_neighbours(
    model: Encoder | str,
    queries: str | os.PathLike,
    candidates: str | os.PathLike,
    *,
    top_k: int = 1,
    skip_bad_lines: bool = False,
    max_chars: int = MAX_LINE_CHARS,
) -> FileNeighbours:
    """:func:`nearest_neighbours` of two sentence files (:func:`align.sentences.read_collection`);
    a model given by name loads once both files have been read."""
    check_model_source(model)
    reading = {"skip_bad_lines": skip_bad_lines, "max_chars": max_chars}
    query_rows, candidate_rows = read_collection(queries, **reading), read_collection(candidates, **reading)
    hits = nearest_neighbours(model, query_rows.texts, candidate_rows.texts, top_k=top_k)
    return FileNeighbours(query_rows, candidate_rows, hits)
