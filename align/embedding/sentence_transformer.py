"""Any sentence-transformers model as an :class:`~align.embedding.protocol.Embedder` (needs torch)."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from align.encode import Encoder, encode_texts, load_encoder, model_digest


class SentenceTransformerEmbedder:
    """A loaded sentence-transformers model, encoding with align's normalising ``encode_texts``."""

    def __init__(self, model: Encoder, name: str, *, batch_size: int | None = None) -> None:
        self.model = model
        self.name = name
        self.batch_size = batch_size
        self.dimension = int(model.get_embedding_dimension())
        length = model.max_seq_length
        self.max_length = int(length) if isinstance(length, int) else None
        self.prompts = dict(model.prompts)
        self.default_role = model.default_prompt_name

    @classmethod
    def load(cls, name: str | os.PathLike) -> SentenceTransformerEmbedder:
        return cls(load_encoder(name), str(name))

    def __call__(self, texts: Sequence[str], *, role: str | None = None) -> np.ndarray:
        return encode_texts(self.model, list(texts), batch_size=self.batch_size, prompt_name=role)

    def fingerprint(self) -> str:
        return model_digest(self.model)[:12]
