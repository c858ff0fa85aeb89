"""The HTTP API: OpenAI's embeddings endpoints over align's embedders, so the ``openai`` SDK,
LangChain, LlamaIndex or any HTTP client can use an align model.

    POST /v1/embeddings  {"input": "text" or ["text", ...], "model": NAME, "encoding_format": "base64"}
    GET  /v1/models
    GET  /health

Every error is JSON in OpenAI's shape, ``{"error": {"message", "type", "param", "code"}}``, with
the 4xx status that names the mistake (400 a malformed request, 401 a missing key, 404 an unknown
model, 413 too much, 422 an input too long): a client's mistake never becomes a 500. Texts are
embedded in a worker thread, so the server keeps answering while a model works.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from align.embedding.protocol import Embedder
from align.serve.config import ServeConfig

logger = logging.getLogger("align.serve")
ENCODINGS = ("float", "base64")


class ApiError(Exception):
    """A request the server refuses: its status, and a message saying what to send instead."""

    def __init__(self, status: int, message: str, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.param, self.code = status, message, param, code


def _error(status: int, message: str, param: str | None = None, code: str | None = None) -> JSONResponse:
    kind = (
        "authentication_error"
        if status == 401
        else "invalid_request_error"
        if status < 500
        else "server_error"
    )
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return JSONResponse(body, status_code=status)


async def read_json(request: Request, limit: int) -> dict[str, Any]:
    """The request's JSON object, read at most ``limit`` bytes far."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(
            413, f"the request body has {int(declared):,} bytes; this server takes {limit:,} at most"
        )
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ApiError(413, f"the request body passes {limit:,} bytes, the most this server takes")
    try:
        parsed = json.loads(bytes(body))
    except ValueError as error:  # not JSON, or not UTF-8
        raise ApiError(400, f"the request body is not JSON in UTF-8 ({error})") from None
    if not isinstance(parsed, dict):
        raise ApiError(400, f"the request body must be a JSON object, not {type(parsed).__name__}")
    return parsed


def embedding_texts(body: Mapping[str, Any], config: ServeConfig) -> list[str]:
    """The texts of an embeddings request's ``input``: a string or a list of strings, each non-empty
    and within the server's limits."""
    given = body.get("input")
    if given is None:
        raise ApiError(400, 'the request needs "input": a string, or a list of strings', "input")
    texts = [given] if isinstance(given, str) else given
    if not isinstance(texts, list) or not texts:
        raise ApiError(400, '"input" must be a string or a non-empty list of strings', "input")
    if any(isinstance(item, int | list) and not isinstance(item, bool) for item in texts):
        raise ApiError(
            400,
            '"input" holds token ids: send the text itself (align tokenises with the model\'s own tokenizer)',
            "input",
        )
    if len(texts) > config.max_inputs:
        raise ApiError(
            413,
            f'"input" holds {len(texts):,} texts; this server takes {config.max_inputs:,} a request',
            "input",
        )
    for number, text in enumerate(texts):
        if not isinstance(text, str):
            raise ApiError(400, f"input {number} is {type(text).__name__}, not a string", "input")
        if not text.strip():
            raise ApiError(400, f"input {number} is empty: there is nothing to embed", "input")
        if len(text) > config.max_chars:
            raise ApiError(
                422,
                f"input {number} has {len(text):,} characters; this server takes {config.max_chars:,}",
                "input",
            )
    return texts


def token_count(embedder: Embedder, texts: list[str]) -> int:
    """The tokens ``texts`` make by the model's own tokenizer where align runs it (static and ONNX
    models), else their words: what ``usage`` reports."""
    tokenizer = getattr(embedder, "tokenizer", None)
    if hasattr(tokenizer, "encode_batch"):
        return sum(len(encoding.ids) for encoding in tokenizer.encode_batch(texts))
    return sum(len(text.split()) for text in texts)


def _encoded(vector: np.ndarray, encoding: str) -> list[float] | str:
    if encoding == "base64":  # little-endian float32, as the openai SDK decodes it
        return base64.b64encode(np.ascontiguousarray(vector, dtype="<f4").tobytes()).decode("ascii")
    return vector.astype(np.float32).tolist()


def create_app(
    config: ServeConfig, embedders: Mapping[str, Embedder], *, api_key: str | None = None
) -> FastAPI:
    """The API over ``embedders`` (by the name clients use), within ``config``'s limits; with
    ``api_key``, every request but ``/health`` must carry ``Authorization: Bearer <api_key>``."""
    app = FastAPI(title="align", summary="Cross-lingual embeddings, OpenAI-compatible")

    @app.exception_handler(ApiError)
    async def refused(request: Request, error: ApiError) -> JSONResponse:
        return _error(error.status, error.message, error.param, error.code)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        return _error(
            422, "; ".join(str(problem.get("msg")) for problem in error.errors()) or "invalid request"
        )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        return _error(error.status_code, str(error.detail))

    @app.exception_handler(Exception)
    async def failed(request: Request, error: Exception) -> JSONResponse:
        logger.exception("%s %s failed", request.method, request.url.path)
        return _error(500, f"the server failed: {type(error).__name__}; its log has the details")

    def authorise(request: Request) -> None:
        if api_key is not None and request.headers.get("authorization") != f"Bearer {api_key}":
            raise ApiError(401, 'this server needs an API key: send "Authorization: Bearer <key>"')

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/models")
    async def models(request: Request) -> dict[str, Any]:
        authorise(request)
        listed = [{"id": name, "object": "model", "created": 0, "owned_by": "align"} for name in embedders]
        return {"object": "list", "data": listed}

    @app.post("/v1/embeddings")
    async def embeddings(request: Request) -> dict[str, Any]:
        authorise(request)
        body = await read_json(request, config.max_body)
        name = body.get("model")
        if not isinstance(name, str) or name not in embedders:
            raise ApiError(
                404,
                f"the model {name!r} is not served here; GET /v1/models lists those that are",
                "model",
                "model_not_found",
            )
        embedder = embedders[name]
        encoding = body.get("encoding_format") or "float"
        if encoding not in ENCODINGS:
            raise ApiError(
                400, f'"encoding_format" must be float or base64, not {encoding!r}', "encoding_format"
            )
        dimensions = body.get("dimensions")
        if dimensions is not None and dimensions != embedder.dimension:
            raise ApiError(
                400,
                f"{name}'s vectors have {embedder.dimension} dimensions; it cannot give {dimensions!r}",
                "dimensions",
            )
        texts = embedding_texts(body, config)
        vectors = await run_in_threadpool(embedder, texts)
        tokens = await run_in_threadpool(token_count, embedder, texts)
        data = [
            {"object": "embedding", "index": index, "embedding": _encoded(vector, encoding)}
            for index, vector in enumerate(vectors)
        ]
        return {
            "object": "list",
            "data": data,
            "model": name,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }

    return app
