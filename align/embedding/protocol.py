"""What align needs of anything that embeds text: the :class:`Embedder` protocol.

Mining, filtering, alignment, the ``Retriever`` and the benchmarks need texts turned into unit-length
float32 rows, and a few facts about the model that does it. Any object with these members serves,
whatever runs it: torch, NumPy, ONNX, vectors computed elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from align.errors import AlignError


@runtime_checkable
class Embedder(Protocol):
    """Texts in, L2-normalised float32 rows out, with what a caller needs to know of the model."""

    name: str  # what it was loaded from (a path or hub id), for reports and for workers to reload it
    dimension: int
    max_length: int | None  # tokens read of a text (the rest is ignored); None: the whole text
    prompts: Mapping[str, str]  # text put before each input, per role (e.g. "query", "document")

    def __call__(self, texts: Sequence[str], *, role: str | None = None) -> np.ndarray:
        """A (len(texts), dimension) float32 matrix of unit rows (an empty text: a zero row)."""
        ...

    def fingerprint(self) -> str:
        """A short hash that changes whenever the vectors would: the key of results cached for it."""
        ...


def scale_to_unit(matrix: np.ndarray) -> np.ndarray:
    """Scale the rows of the float32 ``matrix`` to length 1 in place (a zero row stays zero)."""
    norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))
    matrix /= np.maximum(norms, 1e-12)[:, None]
    return matrix


def prompt_for(prompts: Mapping[str, str], role: str | None, default: str | None = None) -> str:
    """The text put before each input for ``role`` (or, without one, the model's default role)."""
    if role is not None and role not in prompts:
        known = ", ".join(sorted(prompts)) or "none"
        raise AlignError(f"no prompt for the role {role!r} (the model has: {known})")
    return prompts.get(role if role is not None else default or "", "")
