"""Pair the documents of two collections that translate each other (``align docalign``), then,
optionally, align each pair's sentences with :mod:`align.sentalign`.

The layers run one way: ``config`` ← ``embedding`` ← ``pairing`` ← ``pipeline`` (the command as
one call); ``documents`` reads the collections; below them sit :mod:`align.mining` (k-NN and
margin) and :mod:`align.sentalign`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from align.lazy import lazy_exports

if TYPE_CHECKING:
    from align.docalign.config import DocalignConfig
    from align.docalign.documents import Document, read_documents
    from align.docalign.embedding import document_embeddings
    from align.docalign.pairing import DocumentPair, align_pairs, pair_documents, write_pairs
    from align.docalign.pipeline import CollectionAlignment, align_collections

__getattr__, __all__ = lazy_exports(__name__, __file__)
