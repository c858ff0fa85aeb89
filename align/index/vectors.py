"""A thin, honest wrapper over FAISS: NumPy in and out, an index type chosen by size, metadata beside it.

Vectors are L2-normalised float32 and compared by inner product (= cosine). Small collections get
exact search; larger ones a scan of compressed codes whose best candidates are re-ranked with
stored float16 vectors, and the largest an inverted file (IVF) as well, which scans only the
``nprobe`` nearest clusters per query (:mod:`align.index.settings` says why). Any FAISS
``index_factory`` string can be passed instead.

An index saved to a directory carries ``index.json`` with the dimension, the model it was built
with and that model's fingerprint, so searching it with another model fails clearly instead of
returning nonsense.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import faiss
import numpy as np

from align.encode import same_fingerprint
from align.errors import AlignError, InputFormatError
from align.index.settings import DEFAULT_NPROBE, DEFAULT_REFINE_FACTOR, choose_factory, faiss_reason
from align.outputs import atomic_path, check_output, verify_manifest

TRAINING_SAMPLE_PER_LIST = 40  # FAISS wants 39-256 training points per IVF list
KMEANS_ITERATIONS = 10
NORM_CHECK_ROWS = 1_000
NORM_TOLERANCE = 1e-3
INDEX_FILE = "index.faiss"
INFO_FILE = "index.json"


@dataclass(frozen=True)
class IndexInfo:
    """What an index was built from, stored beside it as ``index.json``."""

    dimension: int
    factory: str
    model: str | None = None  # the name or path of the encoder whose embeddings it holds
    fingerprint: list[float] | None = None  # that encoder's embedding of a probe sentence
    nprobe: int = DEFAULT_NPROBE
    refine_factor: int = DEFAULT_REFINE_FACTOR  # a Refine(...) index re-ranks this many × k candidates


def check_embeddings(
    embeddings: np.ndarray, dimension: int | None = None, what: str = "embeddings"
) -> np.ndarray:
    """Return ``embeddings`` as a C-contiguous float32 matrix, or raise a clear error about it
    (see :func:`validate_embeddings`)."""
    return np.ascontiguousarray(validate_embeddings(embeddings, dimension, what), dtype=np.float32)


def validate_embeddings(
    embeddings: np.ndarray, dimension: int | None = None, what: str = "embeddings"
) -> np.ndarray:
    """Return ``embeddings`` as an array of its own dtype (a float16 shard stays float16, a
    memory map stays mapped), or raise a clear error about its shape or values.

    Rows must be L2-normalised (checked on a sample): inner product is then cosine, which margin
    scores and similarity thresholds assume. All-zero rows are allowed; they match nothing.
    :meth:`VectorIndex.add` and :meth:`VectorIndex.search` convert to float32 a batch at a time,
    so a shard is never held twice over.
    """
    matrix = np.asarray(embeddings)
    if matrix.ndim != 2 or matrix.shape[0] == 0:
        raise AlignError(f"{what} must be a non-empty (rows, dimension) matrix, got shape {matrix.shape}")
    if dimension is not None and matrix.shape[1] != dimension:
        raise AlignError(
            f"{what} have dimension {matrix.shape[1]} but the index holds dimension {dimension}: "
            "were they made with another model?"
        )
    if not np.isfinite(matrix.sum(dtype=np.float64)):  # one pass, no (rows, dimension) temporary
        raise AlignError(f"{what} contain NaN or infinite values")
    sample = np.asarray(matrix[:: max(1, len(matrix) // NORM_CHECK_ROWS)], dtype=np.float64)
    norms = np.linalg.norm(sample, axis=1)
    if np.any((np.abs(norms - 1) > NORM_TOLERANCE) & (norms > 0)):
        raise AlignError(
            f"{what} are not L2-normalised (row norms up to {norms.max():.3g}); "
            "encode with align embed or align.encode_texts, which normalise"
        )
    return matrix


def check_fingerprint(stored: list[float] | None, fingerprint: list[float], model: str | None) -> None:
    """Refuse an index whose ``stored`` fingerprint is not the querying model's (an index of any kind)."""
    if stored is not None and not same_fingerprint(stored, fingerprint):
        raise AlignError(
            f"this index was built with another model ({model or 'unnamed'}); "
            "query it with the model it was built with, or rebuild it"
        )


def _float32(batch: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(batch, dtype=np.float32)


class VectorIndex:
    """Inner-product search over normalised vectors. ``build`` makes one; ``search`` returns (scores, ids)."""

    def __init__(self, index: faiss.Index, info: IndexInfo) -> None:
        self.index = index
        self.info = info
        self._apply_search_parameters()

    @classmethod
    def create(
        cls,
        dimension: int,
        factory: str,
        *,
        model: str | None = None,
        fingerprint: list[float] | None = None,
        nprobe: int = DEFAULT_NPROBE,
    ) -> VectorIndex:
        """An empty index of ``factory``'s type; an IVF one needs :meth:`train` before :meth:`add`."""
        try:
            index = faiss.index_factory(dimension, factory, faiss.METRIC_INNER_PRODUCT)
        except RuntimeError as error:
            raise AlignError(f"FAISS cannot build index {factory!r}: {faiss_reason(error)}") from None
        with contextlib.suppress(RuntimeError):  # IVF needs a usable partition, not a converged k-means
            faiss.extract_index_ivf(index).cp.niter = KMEANS_ITERATIONS
        info = IndexInfo(
            dimension=dimension, factory=factory, model=model, fingerprint=fingerprint, nprobe=nprobe
        )
        return cls(index, info)

    @classmethod
    def build(
        cls,
        embeddings: np.ndarray,
        *,
        factory: str | None = None,
        model: str | None = None,
        fingerprint: list[float] | None = None,
        nprobe: int = DEFAULT_NPROBE,
        batch_size: int = 100_000,
        seed: int = 0,
    ) -> VectorIndex:
        """Index ``embeddings`` (rows are ids 0..n-1). An IVF index is trained on a random sample first."""
        embeddings = validate_embeddings(embeddings)
        count, dimension = embeddings.shape
        factory = factory or choose_factory(count, dimension)
        built = cls.create(dimension, factory, model=model, fingerprint=fingerprint, nprobe=nprobe)
        if not built.is_trained:
            rows = training_rows(count, built.training_sample_size, seed)
            built.train(embeddings[rows])
        built.reserve(count)
        built.add(embeddings, batch_size=batch_size)
        return built

    @property
    def is_trained(self) -> bool:
        return bool(self.index.is_trained)

    @property
    def training_sample_size(self) -> int:
        """How many vectors :meth:`train` wants: 40 per IVF list (FAISS asks for 39-256)."""
        try:
            lists = faiss.extract_index_ivf(self.index).nlist
        except RuntimeError:
            return 100_000
        return lists * TRAINING_SAMPLE_PER_LIST

    def train(self, sample: np.ndarray) -> None:
        """Train the index (IVF centroids, quantisers) on ``sample``, checked like every input."""
        self.index.train(check_embeddings(sample, self.info.dimension, "training sample"))

    def add(self, embeddings: np.ndarray, *, batch_size: int = 100_000) -> None:
        """Append ``embeddings`` (checked like every input); their ids continue from ``len(self)``."""
        embeddings = validate_embeddings(embeddings, self.info.dimension)
        for start in range(0, len(embeddings), batch_size):
            self.index.add(_float32(embeddings[start : start + batch_size]))

    def reserve(self, count: int) -> None:
        """Make room for ``count`` vectors in the index's stores of whole codes (a ``Flat`` or
        ``SQ`` index, or the vectors a ``Refine`` stage re-ranks with) before adding to them.

        FAISS grows such a store by doubling it, and while it copies it holds the old buffer and
        the new. Building a 2M × 512 index with a float16 refine store (2 GB) peaked at 3.96 GB;
        reserved, and with shards converted to float32 a batch at a time, at 3.11 GB. FAISS
        exposes no ``reserve``; growing the buffer and shrinking it back keeps its capacity
        (C++ ``resize`` never frees).
        """
        for part in _code_stores(self.index):
            filled = part.ntotal * part.code_size
            part.codes.resize(max(count * part.code_size, filled))
            part.codes.resize(filled)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def search(
        self, queries: np.ndarray, k: int, *, batch_size: int = 16_384
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` most similar rows for each query: (scores, ids), both (len(queries), k), best first.

        ``k`` larger than the index is clipped; missing neighbours never appear.
        """
        if k < 1:
            raise AlignError(f"k must be at least 1, got {k}")
        queries = validate_embeddings(queries, self.info.dimension, "queries")
        k = min(k, len(self))
        scores = np.empty((len(queries), k), dtype=np.float32)
        ids = np.empty((len(queries), k), dtype=np.int64)
        for start in range(0, len(queries), batch_size):
            stop = start + batch_size
            scores[start:stop], ids[start:stop] = self.index.search(_float32(queries[start:stop]), k)
        return scores, ids

    def check_fingerprint(self, fingerprint: list[float]) -> None:
        """Refuse to be searched with a model other than the one that built it (see ``model_fingerprint``)."""
        check_fingerprint(self.info.fingerprint, fingerprint, self.info.model)

    def save(self, directory: str | os.PathLike, *, force: bool = False) -> None:
        """Write ``index.faiss`` and ``index.json`` to ``directory``, atomically, with a manifest of
        their sizes and checksums (:mod:`align.outputs`) that :meth:`load` checks."""
        check_output(directory, force=force, directory=True)
        with atomic_path(directory, kind="index") as tmp:
            tmp.mkdir()
            self.write(tmp)

    def write(self, directory: Path) -> None:
        """Write the two files into an existing ``directory`` (the inside of :meth:`save`)."""
        faiss.write_index(self.index, str(directory / INDEX_FILE))
        info = {**asdict(self.info), "count": len(self)}
        (directory / INFO_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: str | os.PathLike) -> VectorIndex:
        """Load an index saved by :meth:`save`; a damaged or edited file is an error naming it."""
        directory = Path(directory)
        if not (directory / INDEX_FILE).is_file() or not (directory / INFO_FILE).is_file():
            raise AlignError(f"{directory} is not an align index (expected {INDEX_FILE} and {INFO_FILE})")
        verify_manifest(directory, [INDEX_FILE, INFO_FILE])
        info_path = directory / INFO_FILE
        try:
            fields = json.loads(info_path.read_text(encoding="utf-8"))
            count = fields.pop("count", None)
            info = IndexInfo(**fields)
        except (ValueError, TypeError) as error:
            raise InputFormatError(info_path, f"not the index description align writes ({error})") from None
        try:
            index = faiss.read_index(str(directory / INDEX_FILE))
        except RuntimeError as error:
            message = str(error).strip().splitlines()[-1]
            raise InputFormatError(directory / INDEX_FILE, f"FAISS cannot read it: {message}") from None
        if index.d != info.dimension or (count is not None and index.ntotal != count):
            raise InputFormatError(
                directory / INDEX_FILE,
                f"holds {index.ntotal:,} vectors of dimension {index.d}, but {INFO_FILE} says "
                f"{count if count is not None else 'some'} of dimension {info.dimension}",
            )
        return cls(index, info)

    def set_nprobe(self, nprobe: int) -> None:
        """Scan ``nprobe`` IVF lists per query from now on: a search-time setting, saved with the
        index by the next :meth:`save`; an exact index has no lists and ignores it."""
        if nprobe < 1:
            raise AlignError(f"nprobe must be at least 1, got {nprobe}")
        self.info = replace(self.info, nprobe=nprobe)
        self._apply_search_parameters()

    def _apply_search_parameters(self) -> None:
        with contextlib.suppress(RuntimeError):  # not an IVF index: nothing to probe
            faiss.extract_index_ivf(self.index).nprobe = self.info.nprobe
        outer = faiss.downcast_index(self.index)
        if isinstance(outer, faiss.IndexRefine):  # compressed candidates re-ranked with stored vectors
            outer.k_factor = self.info.refine_factor


def _code_stores(index: faiss.Index) -> list[faiss.IndexFlatCodes]:
    """The parts of ``index`` that keep one code per vector in a growing buffer: the index itself,
    or the base and refine stages of an ``IndexRefine``."""
    index = faiss.downcast_index(index)
    if isinstance(index, faiss.IndexRefine):
        return _code_stores(index.base_index) + _code_stores(index.refine_index)
    return [index] if isinstance(index, faiss.IndexFlatCodes) else []


def training_rows(count: int, sample_size: int, seed: int = 0) -> np.ndarray:
    """Sorted random rows of ``count`` to train an index on (all of them when there are fewer)."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(count, min(count, sample_size), replace=False))
