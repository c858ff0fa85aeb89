"""How the server refuses: OpenAI-shaped JSON errors with the 4xx status that names the mistake,
and request bodies read within a size limit (a client's mistake is never a 500)."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException

from align.errors import AlignError

logger = logging.getLogger("align.serve")


class ApiError(Exception):
    """A request the server refuses: its status, and a message saying what to send instead."""

    def __init__(self, status: int, message: str, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.param, self.code = status, message, param, code


def error_response(
    status: int, message: str, param: str | None = None, code: str | None = None
) -> JSONResponse:
    kind = (
        "authentication_error"
        if status == 401
        else "invalid_request_error"
        if status < 500
        else "server_error"
    )
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return JSONResponse(body, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    """Every error ``app`` raises, answered as JSON: align's own (a bad filter, say) as 400s."""

    @app.exception_handler(ApiError)
    async def refused(request: Request, error: ApiError) -> JSONResponse:
        return error_response(error.status, error.message, error.param, error.code)

    @app.exception_handler(AlignError)
    async def align_refused(request: Request, error: AlignError) -> JSONResponse:
        return error_response(400, str(error))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        return error_response(
            422, "; ".join(str(problem.get("msg")) for problem in error.errors()) or "invalid"
        )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        return error_response(error.status_code, str(error.detail))

    @app.exception_handler(Exception)
    async def failed(request: Request, error: Exception) -> JSONResponse:
        logger.exception("%s %s failed", request.method, request.url.path)
        return error_response(500, f"the server failed: {type(error).__name__}; its log has the details")


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
        unicode = not _SURROGATE_ESCAPE.search(body) or _is_unicode(parsed)
    except ValueError as error:  # not JSON, or not UTF-8
        raise ApiError(400, f"the request body is not JSON in UTF-8 ({error})") from None
    except RecursionError:
        raise ApiError(400, "the request body nests arrays or objects too deeply to read") from None
    if not isinstance(parsed, dict):
        raise ApiError(400, f"the request body must be a JSON object, not {type(parsed).__name__}")
    if not unicode:
        raise ApiError(400, "the request body escapes a lone surrogate (such as \\ud800), which is not text")
    return parsed


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")  # JSON's escape of a surrogate: a pair is fine


def _is_unicode(value: Any) -> bool:
    """Whether every string in ``value`` can be written as UTF-8 (tokenizers and SQLite refuse a
    lone surrogate; a pair escaped in JSON is read as the one character it stands for)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_is_unicode(key) and _is_unicode(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_is_unicode(item) for item in value)
    return True


def validated(model: type[BaseModel], body: dict[str, Any]) -> Any:
    """``body`` as ``model``, or a 400 naming each field that is wrong."""
    try:
        return model.model_validate(body)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']) or 'body'}: {problem['msg']}"
            for problem in error.errors()
        )
        raise ApiError(400, problems) from None
