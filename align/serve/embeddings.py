"""OpenAI's embeddings endpoints over align's embedders: ``POST /v1/embeddings`` (a string or a
list of strings in, one unit vector a text out, as float lists or base64 float32) and
``GET /v1/models``."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool

from align.embedding.protocol import Embedder
from align.serve.batching import Batcher
from align.serve.config import ServeConfig
from align.serve.errors import ApiError, read_json

ENCODINGS = ("float", "base64")


def checked_texts(given: Any, config: ServeConfig, field: str = "input") -> list[str]:
    """The texts of a request's ``field``: a string or a list of strings, each non-empty and within
    the server's limits."""
    if given is None:
        raise ApiError(400, f'the request needs "{field}": a string, or a list of strings', field)
    texts = [given] if isinstance(given, str) else given
    if not isinstance(texts, list) or not texts:
        raise ApiError(400, f'"{field}" must be a string or a non-empty list of strings', field)
    if any(isinstance(item, int | list) and not isinstance(item, bool) for item in texts):
        message = (
            f'"{field}" holds token ids: send the text itself (align tokenises with the model\'s tokenizer)'
        )
        raise ApiError(400, message, field)
    if len(texts) > config.max_inputs:
        raise ApiError(
            413,
            f'"{field}" holds {len(texts):,} texts; this server takes {config.max_inputs:,} a request',
            field,
        )
    for number, text in enumerate(texts):
        if not isinstance(text, str):
            raise ApiError(400, f"{field} {number} is {type(text).__name__}, not a string", field)
        if not text.strip():
            raise ApiError(400, f"{field} {number} is empty: there is nothing to embed", field)

        if len(text) > config.max_chars:
            raise ApiError(
                422,
                f"{field} {number} has {len(text):,} characters; this server takes {config.max_chars:,}",
                field,
            )
    return texts


def token_count(embedder: Embedder, texts: list[str]) -> int:
    """The tokens ``texts`` make by the model's own tokenizer where align runs it (static and ONNX
    models), else their words: what ``usage`` reports."""
    tokenizer = getattr(embedder, "tokenizer", None)
    if hasattr(tokenizer, "encode_batch_fast"):  # without offsets: a third faster
        return sum(len(encoding.ids) for encoding in tokenizer.encode_batch_fast(texts))
    return sum(len(text.split()) for text in texts)


def encoded(vector: np.ndarray, encoding: str) -> list[float] | str:
    if encoding == "base64":  # little-endian float32, as the openai SDK decodes it
        return base64.b64encode(np.ascontiguousarray(vector, dtype="<f4").tobytes()).decode("ascii")
    return vector.astype(np.float32).tolist()


def embeddings_router(
    config: ServeConfig,
    batchers: Mapping[str, Batcher],
    authorise: Callable[[Request], None],
    counted: Callable[[str, int], None],
) -> APIRouter:
    """The routes over each model's batcher, each behind ``authorise``; ``counted(model, texts)``
    hears of each call's texts."""
    router = APIRouter(dependencies=[Depends(authorise)])

    @router.get("/v1/models")
    async def models() -> dict[str, Any]:
        listed = [{"id": name, "object": "model", "created": 0, "owned_by": "align"} for name in batchers]
        return {"object": "list", "data": listed}

    @router.post("/v1/embeddings")
    async def embeddings(request: Request) -> dict[str, Any]:
        body = await read_json(request, config.max_body)
        name = body.get("model")
        if not isinstance(name, str) or name not in batchers:
            message = f"the model {name!r} is not served here; GET /v1/models lists those that are"
            raise ApiError(404, message, "model", "model_not_found")
        embedder = batchers[name].embedder
        encoding = body.get("encoding_format") or "float"
        if encoding not in ENCODINGS:
            raise ApiError(
                400, f'"encoding_format" must be float or base64, not {encoding!r}', "encoding_format"
            )
        dimensions = body.get("dimensions")
        if dimensions is not None and dimensions != embedder.dimension:
            message = f"{name}'s vectors have {embedder.dimension} dimensions; it cannot give {dimensions!r}"
            raise ApiError(400, message, "dimensions")
        texts = checked_texts(body.get("input"), config)
        vectors = await batchers[name].embed(texts)
        tokens = await run_in_threadpool(token_count, embedder, texts)
        counted(name, len(texts))
        data = [
            {"object": "embedding", "index": index, "embedding": encoded(vector, encoding)}
            for index, vector in enumerate(vectors)
        ]
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        return {"object": "list", "data": data, "model": name, "usage": usage}

    return router
