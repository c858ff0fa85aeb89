"""What stores return, as plain data: a stored document, and a search result (what the
``Retriever``, the stores and ``align search --json`` return)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    id: str
    text: str
    lang: str | None
    metadata: dict[str, Any]


@dataclass(frozen=True)
class Hit:
    id: str
    text: str
    score: float  # cosine similarity
    metadata: dict[str, Any] = field(default_factory=dict)
    lang: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The hit as a JSON object (``align search --json``)."""
        found = {"id": self.id, "text": self.text, "score": round(self.score, 6), "metadata": self.metadata}
        return found | ({"lang": self.lang} if self.lang is not None else {})
