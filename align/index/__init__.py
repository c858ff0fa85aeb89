"""Vector indexes: FAISS behind NumPy in and out (:mod:`align.index.vectors`), the settings
that choose and search one (:mod:`align.index.settings`, light enough for the command line), and
compact float16, int8 and binary codes rescored with the full vectors (:mod:`align.index.precision`).

Names are imported on first use, so ``from align.index import DEFAULT_NPROBE`` does not load FAISS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from align.lazy import lazy_exports

if TYPE_CHECKING:
    from align.index.precision import PRECISIONS, CompactIndex
    from align.index.settings import DEFAULT_NPROBE, EXACT_UP_TO, approximate_factory, choose_factory
    from align.index.vectors import IndexInfo, VectorIndex, check_embeddings


__getattr__, __all__ = lazy_exports(__name__, __file__)
