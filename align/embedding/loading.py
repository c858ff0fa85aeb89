"""One way to get an :class:`~align.embedding.protocol.Embedder` from a name: ``load_embedder``.

A static model runs without torch (:class:`~align.embedding.static.StaticEmbedder`); anything else
sentence-transformers loads. A Ray worker rebuilds the same embedder from the same spec.
"""

from __future__ import annotations

import os
from pathlib import Path

from align.embedding.protocol import Embedder
from align.embedding.static import StaticEmbedder, static_module_path
from align.encode import Encoder
from align.model_source import check_model_source


def load_embedder(spec: str | os.PathLike) -> Embedder:
    """The embedder ``spec`` names: a model directory or a hub id (checked at once, before anything
    loads: :func:`align.model_source.check_model_source`)."""
    check_model_source(spec)
    if static_module_path(Path(spec).expanduser()) is not None:
        return StaticEmbedder.load(Path(spec).expanduser())
    from align.embedding.sentence_transformer import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder.load(spec)


def as_embedder(model: Encoder | Embedder | str | os.PathLike) -> Encoder | Embedder:
    """``model`` itself if it is loaded (a sentence-transformers model or an embedder), else the
    embedder its name loads (:func:`load_embedder`): what an API function that takes either does."""
    return load_embedder(model) if isinstance(model, str | os.PathLike) else model
