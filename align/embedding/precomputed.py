"""Vectors computed elsewhere, looked up by their text: an :class:`~align.embedding.Embedder` over
``.npy`` files."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence

import numpy as np

from align.encode import load_embeddings
from align.errors import AlignError, InputFormatError
from align.files import iter_lines


class PrecomputedEmbeddings:
    """Embeddings looked up by text, from ``(text file, .npy file)`` pairs (row i = line i): the
    vectors another system (LASER, an API) wrote, scored or mined as any model's would be."""

    def __init__(
        self, texts: Sequence[str], vectors: np.ndarray, name: str, languages: Sequence[str] | None = None
    ) -> None:
        if len(texts) != len(vectors):
            raise AlignError(f"{name}: {len(texts):,} texts but {len(vectors):,} embeddings")
        self.name = name
        self.languages = tuple(languages) if languages is not None else None
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.row = {text: row for row, text in enumerate(texts)}
        self.dimension = int(self.vectors.shape[1]) if self.vectors.ndim == 2 else 0
        self.max_length: int | None = None
        self.prompts: dict[str, str] = {}

    @classmethod
    def from_files(
        cls, pairs: Sequence[tuple[str | os.PathLike, str | os.PathLike]], name: str
    ) -> PrecomputedEmbeddings:
        texts: list[str] = []
        blocks = []
        for text_path, vector_path in pairs:
            lines = [text or "" for _, text in iter_lines(text_path, hint=None)]
            vectors = load_embeddings(vector_path)
            if len(vectors) != len(lines):
                raise InputFormatError(
                    vector_path, f"has {len(vectors):,} rows but {text_path} has {len(lines):,} lines"
                )
            texts += lines
            blocks.append(np.asarray(vectors, dtype=np.float32))
        return cls(texts, np.concatenate(blocks), name)

    def __call__(self, texts: Sequence[str], *, role: str | None = None) -> np.ndarray:
        missing = next((text for text in texts if text not in self.row), None)
        if missing is not None:
            raise AlignError(f"{self.name}: no precomputed embedding for {missing[:80]!r}")
        return self.vectors[[self.row[text] for text in texts]]

    def fingerprint(self) -> str:
        return hashlib.sha1(self.vectors.tobytes()).hexdigest()[:12]
