"""Stores over HTTP: search a store made by ``align index``, and add, replace or delete its
documents (each request one transaction of the store, acknowledged once it is on disk).

    POST /v1/stores/NAME/search     {"query": "text" or [...], "k": 10, "where": {...}, "mode": "hybrid"}
                                    → each hit's id, text, score, metadata, lang, and the query's
                                      words it holds ("matched")
    POST /v1/stores/NAME/documents  {"documents": [{"id": "faq-1", "text": "...", "metadata": {...}}]}
    POST /v1/stores/NAME/delete     {"ids": ["faq-1", ...]}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from align.serve.config import ServeConfig
from align.serve.embeddings import checked_texts
from align.serve.errors import ApiError, read_json, validated
from align.store.base import LEXICAL_WEIGHT, DocumentStore
from align.store.hit import Hit
from align.store.lexical import shared_terms


class Search(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str | list[str]
    k: int = Field(10, ge=1, le=1_000)
    where: dict[str, Any] | None = None
    mode: Literal["dense", "lexical", "hybrid"] = "dense"
    min_score: float | None = None
    other_languages: bool = False
    lexical_weight: float = Field(LEXICAL_WEIGHT, gt=0)
    nprobe: int | None = Field(None, ge=1)


class NewDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    text: str
    metadata: dict[str, Any] = Field(default_factory=dict)
    lang: str | None = None  # identified by the store where not given


class Documents(BaseModel):
    model_config = ConfigDict(extra="forbid")
    documents: list[NewDocument] = Field(min_length=1)


class Ids(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[str] = Field(min_length=1)


def answered(hit: Hit, query: str) -> dict[str, Any]:
    """A hit as JSON, with ``matched``: the query's words it holds (what the search page marks)."""
    return hit.to_json() | {"matched": shared_terms(query, hit.text)}


def stores_router(
    config: ServeConfig, stores: Mapping[str, DocumentStore], authorise: Callable[[Request], None]
) -> APIRouter:
    """The routes over ``stores`` (by the name clients use), each behind ``authorise``."""
    router = APIRouter(dependencies=[Depends(authorise)])

    def store(name: str) -> DocumentStore:
        if name not in stores:
            raise ApiError(
                404,
                f"the store {name!r} is not served here; GET /info lists those that are",
                code="store_not_found",
            )
        return stores[name]

    @router.post("/v1/stores/{name}/search")
    async def search(name: str, request: Request) -> dict[str, Any]:
        searched = store(name)
        asked: Search = validated(Search, await read_json(request, config.max_body))
        queries = checked_texts(asked.query, config, "query")
        options = asked.model_dump(exclude={"query"})
        found = await run_in_threadpool(lambda: searched.search(queries, **options))
        results = [
            {"query": query, "hits": [answered(hit, query) for hit in hits]}
            for query, hits in zip(queries, found, strict=True)
        ]
        return {"store": name, "results": results}

    @router.post("/v1/stores/{name}/documents")
    async def upsert(name: str, request: Request) -> dict[str, Any]:
        target = store(name)
        given: Documents = validated(Documents, await read_json(request, config.max_body))
        documents = given.documents
        checked_texts([document.text for document in documents], config, "documents")
        langs = [document.lang for document in documents]

        def write() -> int:
            return target.upsert(
                [document.id for document in documents],
                [document.text for document in documents],
                [document.metadata for document in documents],
                langs if all(lang is not None for lang in langs) else None,
            )

        written = await run_in_threadpool(write)
        return {"store": name, "upserted": written, "documents": len(target)}

    @router.post("/v1/stores/{name}/delete")
    async def delete(name: str, request: Request) -> dict[str, Any]:
        target = store(name)
        given: Ids = validated(Ids, await read_json(request, config.max_body))
        if len(given.ids) > config.max_inputs:
            raise ApiError(
                413, f'"ids" holds {len(given.ids):,} ids; this server takes {config.max_inputs:,} a request'
            )
        deleted = await run_in_threadpool(target.delete, given.ids)
        return {"store": name, "deleted": deleted, "documents": len(target)}

    return router
