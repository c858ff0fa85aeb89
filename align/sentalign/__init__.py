"""Ordered sentence alignment of a document and its translation (``align sentalign``).

The layers run one way: ``links`` ← ``evaluation``; ``config`` · ``dynamic`` ← ``search`` ←
``aligner`` ← ``documents``; below them sits :mod:`align.encode`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from align.lazy import lazy_exports

if TYPE_CHECKING:
    from align.sentalign.aligner import align_sentences
    from align.sentalign.config import SentalignConfig
    from align.sentalign.documents import DocumentAlignment, align_files, read_document
    from align.sentalign.evaluation import AlignmentScores, score_alignment
    from align.sentalign.links import Link, format_links, read_links

__getattr__, __all__ = lazy_exports(__name__, __file__)
