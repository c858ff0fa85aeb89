"""``align serve``: models over HTTP, speaking OpenAI's ``/v1/embeddings`` (the ``serve`` extra)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from align.lazy import lazy_exports

if TYPE_CHECKING:
    from align.serve.app import create_app
    from align.serve.config import ServeConfig
    from align.serve.run import serve

__getattr__, __all__ = lazy_exports(__name__, __file__)
