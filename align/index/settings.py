"""How an index is chosen and searched: pure settings, importable without FAISS.

The command line reads these defaults to build its options before anything heavy loads, and
:mod:`align.mining.config` builds on them, so each default is written once, here.

The approximate defaults were chosen by mining F1 against exact search
(``benchmarks/approximate_mining.py``, docs/mining.md): margin scoring needs each sentence's k
nearest neighbours, and a neighbour the index misses lowers a neighbourhood mean and inflates
margins. An inverted file (IVF) misses many on a 200k pool even when it scans a quarter of its
lists, while a scan of every vector's 4-bit product-quantised code, re-ranked with the stored
float16 vectors, finds 94-96 % of them at a sixth of exact search's cost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from align.errors import AlignError
from align.model_source import MODEL_HELP
from align.precision import Precision
from align.settings import force_setting, setting

EXACT_UP_TO = 50_000  # below this, exact search is fast enough and needs no training
SCAN_UP_TO = 500_000  # up to this, scan every compressed code (quadratic: 2 × 500k² codes take ~5 min on
# 2 cores, what exact search takes at 200k); beyond, only the codes in the nprobe nearest IVF lists
FLOAT16_STORE_UP_TO = 4_000_000_000  # bytes of float16 vectors kept for re-ranking; beyond, 8 bits
DEFAULT_NPROBE = 64  # IVF lists scanned per query; benchmarks/approximate_mining.py measures its F1
DEFAULT_REFINE_FACTOR = 16  # candidates per neighbour the compressed scan passes to re-ranking
FACTORY_HELP = (
    "FAISS index_factory string (default: exact up to 50k; compressed codes, re-ranked, beyond; "
    "an IVF in front past 500k)."
)
NPROBE_HELP = "IVF lists an approximate index scans per query: more is slower and surer."


def choose_factory(count: int, dimension: int) -> str:
    """The index for ``count`` vectors of ``dimension``: exact up to 50k, else :func:`approximate_factory`."""
    if count <= EXACT_UP_TO:
        return "Flat"
    return approximate_factory(count, dimension)


def approximate_factory(count: int, dimension: int) -> str:
    """The approximate index align uses for ``count`` vectors, whatever their number.

    Codes of ``dimension / 8`` 4-bit sub-quantisers (``PQ…x4fs``, FAISS's SIMD fast scan) find
    ``DEFAULT_REFINE_FACTOR × k`` candidates, which are re-ranked with cosines from the stored
    vectors (``Refine(SQfp16)``: float16, cosines within 1e-3). Up to 500,000 vectors every code
    is scanned; beyond, an inverted file with ~4·√count lists (FAISS's guidance) scans ``nprobe``
    of them. Where the float16 store would pass 4 GB, it keeps 8 bits a dimension instead.
    """
    codes = f"PQ{pq_subquantizers(dimension)}x4fs"
    store = "SQfp16" if count * dimension * 2 <= FLOAT16_STORE_UP_TO else "SQ8"
    if count <= SCAN_UP_TO:
        return f"{codes},Refine({store})"
    return f"IVF{ivf_lists(count)},{codes},Refine({store})"


def ivf_lists(count: int) -> int:
    """Inverted lists for ``count`` vectors: the power of two nearest 4·√count (FAISS's guidance)."""
    return 2 ** round(math.log2(4 * math.sqrt(count)))


def pq_subquantizers(dimension: int) -> int:
    """The most sub-quantisers up to ``dimension / 8`` that divide ``dimension`` (PQ needs a divisor)."""
    return next(m for m in range(max(1, dimension // 8), 0, -1) if dimension % m == 0)


# Usual embedding widths: a factory string that FAISS builds for none of them is misspelt, not
# merely unsuited to the model (whose width is known only once it loads).
PROBE_DIMENSIONS = (384, 768, 1024, 512, 256, 1536)


def faiss_reason(error: Exception) -> str:
    """FAISS's own words from one of its errors, without the C++ location before them."""
    return str(error).rsplit(": ", 1)[-1] if " at /" in str(error) else str(error)


def check_factory(factory: str) -> None:
    """Fail now, before any model loads, if FAISS cannot build ``factory`` at any usual width."""
    import faiss

    errors = []
    for dimension in PROBE_DIMENSIONS:
        try:
            faiss.index_factory(dimension, factory, faiss.METRIC_INNER_PRODUCT)
            return
        except RuntimeError as error:
            errors.append(error)
    raise AlignError(
        f"FAISS cannot build the index {factory!r}: {faiss_reason(errors[0])} (see FAISS's index_factory "
        "strings: Flat, HNSW32, IVF1024,Flat, PQ48x4fs,Refine(SQfp16), ...)"
    )


@dataclass(frozen=True)
class IndexFiles:
    """What ``align index`` reads and writes, and how: the arguments of
    :func:`align.retriever.index_file` besides the reading options. A float32 index is a store
    (:mod:`align.store`: updates, deletes, filters); a compact precision or a factory gives a
    read-only index."""

    documents: Path = setting(
        help="Documents, one a line (any language); ids are line numbers.",
        argument="DOCUMENTS",
        exists="file",
    )
    output: Path = setting(help="Directory to save the index to.", argument="OUTPUT")
    model: str = setting(help=f"{MODEL_HELP} It is recorded with the index (a path as an absolute one).")
    factory: str | None = setting(None, FACTORY_HELP, flags=("--index-factory",))
    nprobe: int = setting(DEFAULT_NPROBE, NPROBE_HELP, min=1)
    precision: str = setting(
        "float32",
        "Keep the vectors as float16, int8 or binary codes, rescored with the float32 ones (kept on "
        "disk): 1/2, 1/4 or 1/32 of the memory (docs/embedding.md measures recall).",
        cli_type=Precision,
    )
    update: bool = setting(
        False,
        "Add to the store already at OUTPUT: a line indexed before (by its number) is updated.",
        flags=("--update",),
    )
    compact: bool = setting(
        False,
        "Make a store for millions of documents: 8-bit codes in memory instead of float32 vectors "
        "once it holds 100,000, rescored exactly (docs/store.md measures recall and speed).",
        flags=("--compact",),
    )
    force: bool = force_setting()
