"""Any sentence-transformers model as an :class:`~align.embedding.protocol.Embedder` (needs torch)."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from align.encode import Encoder, encode_texts, load_encoder, model_digest


class SentenceTransformerEmbedder:
    """A loaded sentence-transformers model, encoding with align's normalising ``encode_texts``.

    With ``progress_from``, a call on more texts than that shows sentence-transformers' own bar over
    its batches, on stderr.
    """

    def __init__(
        self, model: Encoder, name: str, *, batch_size: int | None = None, progress_from: int | None = None
    ) -> None:
        self.model = model
        self.name = name
        self.batch_size = batch_size
        self.progress_from = progress_from
        self.dimension = int(model.get_embedding_dimension())
        length = model.max_seq_length
        self.max_length = int(length) if isinstance(length, int) else None
        self.prompts = dict(model.prompts)
        self.default_role = model.default_prompt_name

    @classmethod
    def load(cls, name: str | os.PathLike) -> SentenceTransformerEmbedder:
        return cls(load_encoder(name), str(name))

    def __call__(self, texts: Sequence[str], *, role: str | None = None) -> np.ndarray:
        many = self.progress_from is not None and len(texts) > self.progress_from
        return encode_texts(
            self.model, list(texts), batch_size=self.batch_size, prompt_name=role, show_progress_bar=many
        )

    def fingerprint(self) -> str:
        return model_digest(self.model)[:12]
