"""The embedding layer: every encoder behind one protocol (:class:`Embedder`), loaded by name with
:func:`load_embedder`. Static, ONNX, model2vec and remote models run without torch."""

from __future__ import annotations

from typing import TYPE_CHECKING

from align.lazy import lazy_exports

if TYPE_CHECKING:
    from align.embedding.files import embed_file
    from align.embedding.loading import as_embedder, load_embedder
    from align.embedding.model2vec import Model2VecEmbedder
    from align.embedding.onnx import OnnxEmbedder
    from align.embedding.precomputed import PrecomputedEmbeddings
    from align.embedding.protocol import Embedder
    from align.embedding.remote import RemoteEmbedder
    from align.embedding.sentence_transformer import SentenceTransformerEmbedder, on_devices
    from align.embedding.static import StaticEmbedder

__getattr__, __all__ = lazy_exports(__name__, __file__)
