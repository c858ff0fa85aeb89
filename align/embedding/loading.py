"""One way to get an :class:`~align.embedding.protocol.Embedder` from a name: ``load_embedder``.

The spec says what runs the model:

- ``http://…/v1`` (or ``https``): an OpenAI-compatible ``/v1/embeddings`` endpoint
  (:class:`~align.embedding.remote.RemoteEmbedder`), ``#MODEL`` after it naming the model;
- a ``.onnx`` file: that graph, with its model directory's tokenizer, through onnxruntime
  (:class:`~align.embedding.onnx.OnnxEmbedder`);
- a directory in model2vec's format: model2vec (:class:`~align.embedding.model2vec.Model2VecEmbedder`);
- a static model's directory: NumPy and tokenizers (:class:`~align.embedding.static.StaticEmbedder`);
- anything else, a directory or a hub id: sentence-transformers (needs the ``train`` extra).

All but the last run without torch. A Ray worker rebuilds the same embedder from the same spec.
"""

from __future__ import annotations

import os
from pathlib import Path

from align.embedding.model2vec import is_model2vec
from align.embedding.protocol import Embedder
from align.embedding.static import StaticEmbedder, static_module_path
from align.encode import Encoder
from align.model_source import check_model_source


def load_embedder(spec: str | os.PathLike) -> Embedder:
    """The embedder ``spec`` names: a model directory or a hub id (checked at once, before anything
    loads: :func:`align.model_source.check_model_source`)."""
    text = str(spec)
    if text.startswith(("http://", "https://")):
        from align.embedding.remote import RemoteEmbedder

        return RemoteEmbedder.connect(text)
    path = Path(spec).expanduser()
    if path.suffix == ".onnx":
        from align.embedding.onnx import OnnxEmbedder

        return OnnxEmbedder.load(path)
    check_model_source(spec)
    if is_model2vec(path):
        from align.embedding.model2vec import Model2VecEmbedder

        return Model2VecEmbedder.load(path)
    if static_module_path(path) is not None:
        return StaticEmbedder.load(path)
    from align.embedding.sentence_transformer import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder.load(spec)


def as_embedder(model: Encoder | Embedder | str | os.PathLike) -> Encoder | Embedder:
    """``model`` itself if it is loaded (a sentence-transformers model or an embedder), else the
    embedder its name loads (:func:`load_embedder`): what an API function that takes either does."""
    return load_embedder(model) if isinstance(model, str | os.PathLike) else model


def embedder_of(model: Encoder | Embedder | str | os.PathLike, name: str) -> Embedder:
    """``model`` as an Embedder: a name loaded (:func:`load_embedder`), a loaded
    sentence-transformers model wrapped under ``name``, an embedder as it is."""
    embedder = as_embedder(model)
    if hasattr(embedder, "encode"):  # a loaded sentence-transformers model
        from align.embedding.sentence_transformer import SentenceTransformerEmbedder

        embedder = SentenceTransformerEmbedder(embedder, name)
    return embedder
