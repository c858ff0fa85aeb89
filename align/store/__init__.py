"""A document store for retrieval apps: upserts and deletes by id, ``where=`` filters inside the
vector search, documents on disk in SQLite, shared safely between threads and processes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from align.lazy import lazy_exports

if TYPE_CHECKING:
    from align.store.base import DocumentStore
    from align.store.filters import Where
    from align.store.hit import Document, Hit
    from align.store.store import Store

__getattr__, __all__ = lazy_exports(__name__, __file__)
