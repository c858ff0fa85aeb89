"""Bitext filtering and scoring (``align filter``, ``align score``): the stages a crawled or mined
corpus goes through before training, each counting what it dropped and why.

The layers run one way: ``config`` ← ``copies`` / ``scores`` ← ``pipeline``; below them sit
:mod:`align.data` (readers, cleaning), :mod:`align.lid` (the language stage), :mod:`align.mining.margin`
and :mod:`align.encode`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from align.lazy import lazy_exports

if TYPE_CHECKING:
    from align.filtering.config import FilterConfig, default_threshold
    from align.filtering.copies import copy_reason
    from align.filtering.pipeline import BitextFilter, BitextScoring, FilterReport
    from align.filtering.scores import PairScores, score_pairs

__getattr__, __all__ = lazy_exports(__name__, __file__)
