"""The HTTP API: OpenAI's embeddings endpoints over align's embedders (:mod:`align.serve.embeddings`),
search and updates over align's stores (:mod:`align.serve.stores`), and what an operator needs:
``/health``, ``/info``, ``/metrics`` and a log line a request (:mod:`align.serve.metrics`); and the
page at ``/`` (:mod:`align.serve.site`).

Every error is JSON in OpenAI's shape, with the 4xx status that names the mistake
(:mod:`align.serve.errors`). Requests arriving together are embedded in one model call
(:mod:`align.serve.batching`), in a worker thread, so the server keeps answering while a model
works; stores are closed (their index saved) when the server stops.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware

from align.embedding.protocol import Embedder
from align.serve.batching import Batcher
from align.serve.config import ServeConfig
from align.serve.embeddings import embeddings_router
from align.serve.errors import ApiError, install_error_handlers
from align.serve.metrics import Metrics
from align.serve.site import install_page
from align.serve.stores import stores_router
from align.store.base import DocumentStore
from align.store.store import Store


def create_app(
    config: ServeConfig,
    embedders: Mapping[str, Embedder],
    stores: Mapping[str, DocumentStore] | None = None,
    *,
    api_key: str | None = None,
) -> FastAPI:
    """The API over ``embedders`` and ``stores`` (by the names clients use), within ``config``'s
    limits; with ``api_key``, every request but ``/health`` must carry ``Authorization: Bearer
    <api_key>``. The stores are closed when the app shuts down."""
    stores = dict(stores or {})
    batching = {"batching": config.batching, "wait": config.batch_wait_ms / 1000, "most": config.batch_texts}
    batchers = {name: Batcher(embedder, **batching) for name, embedder in embedders.items()}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        for batcher in batchers.values():
            await batcher.close()
        for store in stores.values():
            store.close()

    app = FastAPI(title="align", summary="Cross-lingual embeddings and search", lifespan=lifespan)
    app.state.batchers = batchers  # each model's, with the calls it made
    install_error_handlers(app)
    metrics = Metrics()
    metrics.install(app)
    if config.cors:  # off unless asked: only the server's own page may call it from a browser
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )

    def authorise(request: Request) -> None:
        if api_key is not None and request.headers.get("authorization") != f"Bearer {api_key}":
            raise ApiError(401, 'this server needs an API key: send "Authorization: Bearer <key>"')

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/info", dependencies=[Depends(authorise)])
    async def info() -> dict[str, Any]:
        models = {
            name: {"name": embedder.name, "dimension": embedder.dimension, "prompts": dict(embedder.prompts)}
            for name, embedder in embedders.items()
        }
        return {"models": models, "stores": {name: describe(store) for name, store in stores.items()}}

    app.include_router(embeddings_router(config, batchers, authorise, metrics.count_texts))
    app.include_router(stores_router(config, stores, authorise))
    install_page(app)
    return app


def describe(store: DocumentStore) -> dict[str, Any]:
    """What ``/info`` says of a store: its documents, model, roles and, for align's own, its index
    and languages."""
    described: dict[str, Any] = {
        "documents": len(store),
        "model": store.setting("model"),
        "dimension": store.setting("dimension"),
        "roles": {"query": store.query_role, "document": store.document_role},
    }
    if isinstance(store, Store):
        described["index"] = store.index_description
        described["languages"] = {str(lang): count for lang, count in store.languages().items()}
    return described
