"""The store's vector index in memory, derived from its database: exact or compact.

``flat`` keeps every float32 vector and searches exactly: right up to a few hundred thousand
documents (a million 384-dimension vectors take 1.5 GB). ``compact`` keeps an inverted file of
8-bit codes instead (``IVFn,SQ8``: a byte a dimension, a quarter of float32), trained on the
store's own vectors once it holds :data:`COMPACT_FROM` of them (exact search until then); a search
takes :data:`RESCORE` times k candidates from the codes and rescores them with their float32
vectors read from the database, so memory is bounded by the codes while scores stay exact cosines.

8-bit scalar codes, not product quantisation: on a static model's vectors (150k documents,
benchmarks/store_scale.py's collection), 32 bytes of PQ codes found 0.68 of the exact top 10 with
32 lists scanned and 160 candidates rescored, 64 bytes 0.81, and neither passed 0.88 with 128
lists and 400 candidates; 8-bit codes found 0.96 with 32 lists and 0.98 with 64.

Both remove vectors in place (no tombstones to compact), and both take a filter as a FAISS selector
over the documents' rows, so a filtered search scores only the rows it may return. An inverted
file scans ``nprobe`` of its lists; under a filter keeping a share s of the documents it scans
``nprobe / √s`` of them, and every list for a query that found fewer candidates than asked, so k
hits come back whenever k documents pass. On a million documents (benchmarks/store_scale.py's
collection, filters keeping 1, 10 and 50 %), recall@10 was within 0.002 of scanning ``nprobe / s``
lists (0.989, 0.973, 0.976), at 1.5 to 4 times the speed; scanning ``nprobe`` lists, within 0.014.
"""

from __future__ import annotations

import math
from pathlib import Path

import faiss
import numpy as np

from align.errors import AlignError
from align.index.settings import DEFAULT_REFINE_FACTOR

FLAT, COMPACT = "flat", "compact"
INDEX_KINDS = (FLAT, COMPACT)
COMPACT_FROM = 100_000  # documents a compact index waits for before it trains: exact search below
MAX_LISTS = 4_096  # lists at most: k-means over more takes more than minutes on a small machine
TRAINING_PER_LIST = 64  # training vectors per list (FAISS asks for 39 at least)
RESCORE = DEFAULT_REFINE_FACTOR  # candidates per hit a compact search rescores with float32 vectors
DEFAULT_NPROBE = 64  # lists a compact search scans (benchmarks/store_scale.py measures its recall)


def compact_factory(count: int) -> str:
    """The compact index for ``count`` vectors: about √count lists (a power of two, at most
    :data:`MAX_LISTS`) of 8-bit codes, a byte a dimension.

    √count, not FAISS's usual 4·√count: with the default ``nprobe`` of 64, a million documents in
    4,096 lists gave recall@10 0.931, in 1,024 lists 0.979 (benchmarks/store_scale.py)."""
    return f"IVF{min(2 ** round(math.log2(math.sqrt(count))), MAX_LISTS)},SQ8"


def check_kind(kind: str) -> str:
    if kind not in INDEX_KINDS:
        raise AlignError(f"index must be one of {', '.join(INDEX_KINDS)}, got {kind!r}")
    return kind


class Selection:
    """The rows a filter keeps, as a FAISS selector (a bitmap over rows, held here because FAISS
    keeps only a pointer to it)."""

    def __init__(self, rows: np.ndarray) -> None:
        self.rows = rows
        size = int(rows[-1]) // 8 + 1 if len(rows) else 1
        self._bitmap = np.zeros(size, dtype=np.uint8)
        np.bitwise_or.at(self._bitmap, rows >> 3, (1 << (rows & 7)).astype(np.uint8))
        self.selector = faiss.IDSelectorBitmap(size, faiss.swig_ptr(self._bitmap))

    def __len__(self) -> int:
        return len(self.rows)


class StoreIndex:
    """A FAISS index over the documents' rows (their ids in it); see the module's docstring."""

    def __init__(self, index: faiss.Index) -> None:
        self.index = index
        self._ivf = faiss.try_extract_index_ivf(index)

    @classmethod
    def flat(cls, dimension: int) -> StoreIndex:
        return cls(faiss.IndexIDMap(faiss.IndexFlatIP(dimension)))

    @classmethod
    def trained(cls, factory: str, sample: np.ndarray) -> StoreIndex:
        """A compact index ``factory`` trained on ``sample`` (float32 unit vectors)."""
        index = faiss.index_factory(sample.shape[1], factory, faiss.METRIC_INNER_PRODUCT)
        index.train(sample)
        return cls(index)

    @classmethod
    def read(cls, path: Path) -> StoreIndex:
        return cls(faiss.read_index(str(path)))

    def write(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @property
    def compact(self) -> bool:
        return self._ivf is not None

    @property
    def dimension(self) -> int:
        return self.index.d

    def __len__(self) -> int:
        return self.index.ntotal

    def describe(self) -> str:
        """What the index is, as a person reads it: ``flat`` or the compact factory string."""
        if self._ivf is None:
            return FLAT
        return f"IVF{self._ivf.nlist},SQ8"

    def add(self, rows: np.ndarray, vectors: np.ndarray) -> None:
        self.index.add_with_ids(vectors, rows)

    def remove(self, rows: list[int]) -> None:
        self.index.remove_ids(faiss.IDSelectorBatch(np.asarray(rows, dtype=np.int64)))

    def candidates(
        self, matrix: np.ndarray, k: int, selection: Selection | None, nprobe: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """(scores, rows) of each query's ``k`` nearest among ``selection`` (-1 rows where fewer
        exist); exact scores from a flat index, approximate from a compact one's codes."""
        if self._ivf is None:
            parameters = faiss.SearchParameters(sel=selection.selector) if selection is not None else None
            return self.index.search(matrix, k, params=parameters)
        if selection is None:
            return self.index.search(matrix, k, params=faiss.SearchParametersIVF(nprobe=nprobe))
        share = max(len(selection), 1) / max(len(self), 1)
        lists = self._ivf.nlist
        nprobe = min(math.ceil(nprobe / math.sqrt(share)), lists)
        scores, rows = self.index.search(
            matrix, k, params=faiss.SearchParametersIVF(nprobe=nprobe, sel=selection.selector)
        )
        short = np.flatnonzero((rows >= 0).sum(axis=1) < min(k, len(selection)))
        if len(short) and nprobe < lists:  # too few met in the lists scanned: scan them all
            every = faiss.SearchParametersIVF(nprobe=lists, sel=selection.selector)
            scores[short], rows[short] = self.index.search(matrix[short], k, params=every)
        return scores, rows
