"""Vectors at float16, int8 or binary precision, searched in that compact form and rescored with the
full ones, as large retrieval systems keep tens of millions of documents in memory.

The compact codes are what a search holds in memory: 2, 1 or 1/8 bytes a dimension, against 4 for
float32. A search asks them for ``oversample × k`` candidates, then scores those candidates exactly
with the float32 vectors, which can stay on disk (a memory-mapped ``.npy``): only the candidates'
rows are read. The scores a caller sees are therefore true cosines.

- float16 and int8 use FAISS's scalar quantizer (int8: each dimension's range, learnt from the
  vectors, cut into 256 steps), searched with the float32 query;
- binary keeps each dimension's sign, 1 bit (FAISS's binary index, Hamming distance).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from align.errors import AlignError, InputFormatError
from align.precision import PRECISIONS, binary_codes

BITS_PER_DIMENSION = {"float32": 32, "float16": 16, "int8": 8, "binary": 1}
# Candidates rescored per hit: the fewest that kept recall@10 ≥ 0.99 (int8) and ≥ 0.97 (binary) against
# exact float32 search on 1M documents (benchmarks/precision.py: int8 ×2 1.000, binary ×80 0.984).
DEFAULT_OVERSAMPLE = {"float32": 1, "float16": 1, "int8": 2, "binary": 80}
TRAIN_SAMPLE = 100_000  # vectors the int8 quantizer learns each dimension's range from
VECTORS_FILE = "vectors.npy"  # the float32 rows a saved compact index rescores with
COMPACT_FILE = "compact.json"  # its precision, and the model it was built with


@dataclass
class CompactIndex:
    """Compact codes of ``vectors`` to search, and the full vectors to rescore with."""

    precision: str
    index: object  # a FAISS index (binary for "binary")
    full: np.ndarray  # float32 rows, in memory or memory-mapped
    model: str | None = None  # what it was built with, for a Retriever to reload it
    fingerprint: list[float] | None = None

    @classmethod
    def build(cls, vectors: np.ndarray, precision: str = "int8") -> CompactIndex:
        """Index ``vectors`` (unit float32 rows, an array or a memory-mapped ``.npy``) at ``precision``."""
        import faiss

        if precision not in PRECISIONS:
            raise AlignError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
        dimension = vectors.shape[1]
        if precision == "binary":
            if dimension % 8:
                raise AlignError(f"binary precision needs a dimension divisible by 8, got {dimension}")
            index = faiss.IndexBinaryFlat(dimension)
        else:
            kind = {"float32": "Flat", "float16": "SQfp16", "int8": "SQ8"}[precision]
            index = faiss.index_factory(dimension, kind, faiss.METRIC_INNER_PRODUCT)
            if not index.is_trained:
                step = max(1, len(vectors) // TRAIN_SAMPLE)
                index.train(np.ascontiguousarray(vectors[::step], dtype=np.float32))
        for start in range(0, len(vectors), 65_536):
            block = np.ascontiguousarray(vectors[start : start + 65_536], dtype=np.float32)
            index.add(binary_codes(block) if precision == "binary" else block)
        return cls(precision, index, vectors)

    def __len__(self) -> int:
        return len(self.full)

    def add(self, vectors: np.ndarray) -> None:
        """Add rows: the codes are rebuilt over every row (an int8 quantizer relearns its ranges)."""
        full = np.concatenate([np.asarray(self.full, dtype=np.float32), vectors.astype(np.float32)])
        rebuilt = CompactIndex.build(full, self.precision)
        self.index, self.full = rebuilt.index, rebuilt.full

    def write(self, directory: Path) -> None:
        """Write the float32 rows and the description into an existing ``directory``; the codes are
        rebuilt from the rows when it is read (seconds for a million)."""
        np.save(directory / VECTORS_FILE, np.asarray(self.full, dtype=np.float32))
        info = {"precision": self.precision, "model": self.model, "fingerprint": self.fingerprint}
        (directory / COMPACT_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def read(cls, directory: str | os.PathLike) -> CompactIndex:
        """A compact index written by :meth:`write`, its float32 rows memory-mapped."""
        directory = Path(directory)
        try:
            info = json.loads((directory / COMPACT_FILE).read_text(encoding="utf-8"))
            full = np.load(directory / VECTORS_FILE, mmap_mode="r")
        except (OSError, ValueError) as error:
            raise InputFormatError(directory, f"not a compact index align wrote ({error})") from None
        index = cls.build(full, info.get("precision", ""))
        index.model, index.fingerprint = info.get("model"), info.get("fingerprint")
        return index

    @property
    def code_bytes(self) -> int:
        """Bytes the compact codes hold in memory (the full vectors are not counted)."""
        dimension = self.full.shape[1]
        return len(self.full) * dimension * BITS_PER_DIMENSION[self.precision] // 8

    def search(
        self, queries: np.ndarray, k: int, *, oversample: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(cosines, rows) of each query's ``k`` nearest vectors, best first: ``oversample × k``
        candidates from the compact codes, rescored with the full vectors (-1 where there are none)."""
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        factor = oversample or DEFAULT_OVERSAMPLE[self.precision]
        wanted = min(len(self.full), k * factor)
        if self.precision == "binary":
            _, candidates = self.index.search(binary_codes(queries), wanted)
        else:
            _, candidates = self.index.search(queries, wanted)
        if self.precision == "float32":
            candidates = candidates[:, :k]
        return rescore(queries, candidates, self.full, k)


def rescore(
    queries: np.ndarray, candidates: np.ndarray, full: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best of each query's candidate rows by exact cosine with the ``full`` vectors."""
    scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    rows = np.full((len(queries), k), -1, dtype=np.int64)
    for number, (query, found) in enumerate(zip(queries, candidates, strict=True)):
        found = found[found >= 0]
        order = np.argsort(found)  # rows read in order: sequential on a memory-mapped file
        exact = np.asarray(full[found[order]], dtype=np.float32) @ query
        best = np.argsort(-exact, kind="stable")[:k]
        scores[number, : len(best)] = exact[best]
        rows[number, : len(best)] = found[order][best]
    return scores, rows
