"""A model in model2vec's format (a token table with its tokenizer), run by model2vec itself.

model2vec's own ``StaticModel`` does the work, so its models (``minishlab/potion-*``, a vocabulary
quantised or weighted per token) give the vectors model2vec gives. One difference from align's static
models: model2vec leaves out the tokens its vocabulary does not know, where align (and
sentence-transformers) average in the unknown token's vector.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from align.embedding.protocol import prompt_for, scale_to_unit
from align.extras import require

TABLE = "model.safetensors"
TABLE_KEY = "embeddings"  # where model2vec keeps its token table (align's static models: embedding.weight)


def is_model2vec(directory: Path) -> bool:
    """Whether ``directory`` holds a model in model2vec's format."""
    table = directory / TABLE
    if not (table.is_file() and (directory / "tokenizer.json").is_file()):
        return False
    from safetensors import safe_open

    try:
        with safe_open(str(table), framework="numpy") as weights:
            return TABLE_KEY in set(weights.keys())
    except Exception:  # not a safetensors file: not model2vec's
        return False


class Model2VecEmbedder:
    """A model2vec ``StaticModel``, giving unit float32 rows."""

    def __init__(self, model: object, name: str) -> None:
        self.model = model
        self.name = name
        self.dimension = int(model.dim)
        self.max_length: int | None = model.max_length
        self.prompts: dict[str, str] = {}
        self._fingerprint: str | None = None

    @classmethod
    def load(cls, directory: str | os.PathLike) -> Model2VecEmbedder:
        require("model2vec", "a model in model2vec's format")
        from model2vec import StaticModel

        return cls(StaticModel.from_pretrained(str(directory)), str(directory))

    def __call__(self, texts: Sequence[str], *, role: str | None = None) -> np.ndarray:
        prompt_for(self.prompts, role)  # model2vec models have no prompts: a role is refused by name
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(list(texts), use_multiprocessing=False)
        return scale_to_unit(np.array(vectors, dtype=np.float32, ndmin=2))

    def fingerprint(self) -> str:
        """A hash of the table, the tokenizer and model2vec's settings, made once."""
        if self._fingerprint is None:
            digest = hashlib.sha1(self.model.tokenizer.to_str().encode())
            digest.update(json.dumps(self.model.config, sort_keys=True, default=str).encode())
            digest.update(np.ascontiguousarray(self.model.embedding).tobytes())
            self._fingerprint = digest.hexdigest()[:12]
        return self._fingerprint
