"""What a benchmark task embeds text with: a loaded encoder, or embeddings computed elsewhere.

A task only calls ``embed(texts)``, so the same evaluation scores an align model, any
sentence-transformers model, or the vectors another system (LASER, an API) wrote to ``.npy`` files.
``fingerprint`` keys the result cache: a retrained model or new vectors never reuse old results.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from align.coverage import unreadable_scripts
from align.encode import (
    STATIC_BATCH_SIZE,
    Encoder,
    default_batch_size,
    encode_texts,
    model_digest,
)


@runtime_checkable
class Embedder(Protocol):
    """Also read where present: ``languages``, the languages it was trained on (tables split their
    averages by it), and ``unreadable_scripts(texts)``, the scripts its vocabulary cannot read (tables
    name the languages that score by chance); an embedder without them is scored the same."""

    name: str

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 rows, one per text."""
        ...

    def fingerprint(self) -> str:
        """A short digest that changes whenever the embeddings would."""
        ...


# Texts from which a benchmark's encoding shows a progress bar: a small transformer encodes 200-350
# sentences a second on two CPU cores, so 1,000 take a few seconds; a static encoder ~40,000 a second.
PROGRESS_FROM = 1_000
STATIC_PROGRESS_FROM = 100_000


class EncoderEmbedder:
    """A sentence-transformers model, encoding with align's normalising :func:`encode_texts`.

    Past :data:`PROGRESS_FROM` texts (:data:`STATIC_PROGRESS_FROM` for a static encoder, whose
    batches are larger) a call shows sentence-transformers' own bar over its batches, on stderr.
    """

    def __init__(self, model: Encoder, name: str, *, batch_size: int | None = None) -> None:
        self.model = model
        self.name = name
        self.batch_size = batch_size
        self.languages = trained_languages(name)

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        batch_size = self.batch_size or default_batch_size(self.model)
        many = PROGRESS_FROM if batch_size < STATIC_BATCH_SIZE else STATIC_PROGRESS_FROM
        return encode_texts(self.model, texts, batch_size=batch_size, show_progress_bar=len(texts) > many)

    def unreadable_scripts(self, texts: Sequence[str]) -> dict[str, float]:
        """The scripts of ``texts`` mostly read as unknown tokens, with their unknown share in %."""
        return unreadable_scripts(self.model, texts)

    def fingerprint(self) -> str:
        # The model's weights, not its name: a model retrained at the same path gets a new key.
        return model_digest(self.model)[:12]


def trained_languages(model_path: str | os.PathLike) -> tuple[str, ...] | None:
    """The languages a saved model says it was trained on: ``languages`` in the
    ``align_training.json`` align writes, else the ``language:`` list of its model card; None for
    a hub name or a model that does not say."""
    directory = Path(model_path)
    record = directory / "align_training.json"
    if record.is_file():
        with contextlib.suppress(ValueError, KeyError, TypeError):
            return tuple(json.loads(record.read_text(encoding="utf-8"))["languages"])
    card = directory / "README.md"
    if not card.is_file():
        return None
    front = card.read_text(encoding="utf-8").split("---")
    match = re.search(r"^language:\n((?:- .+\n)+)", front[1] if len(front) > 2 else "", re.MULTILINE)
    return tuple(line[2:].strip() for line in match.group(1).splitlines()) if match else None


def as_embedder(model: Encoder | Embedder, name: str = "model", *, batch_size: int | None = None) -> Embedder:
    """``model`` as an :class:`Embedder` (an encoder is wrapped; an embedder is returned as is)."""
    if isinstance(model, Embedder):
        return model
    return EncoderEmbedder(model, name, batch_size=batch_size)
