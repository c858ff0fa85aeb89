"""What the server records of each request: one log line (method, path, status, time, client) on
the ``align.serve.requests`` logger, and, at ``GET /metrics`` in Prometheus' text format
(prometheus-client), requests by route and status, the time each took, and the texts each model
embedded."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

requests_log = logging.getLogger("align.serve.requests")


class Metrics:
    """The server's counters, in a registry of their own (two apps in one process keep apart)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "align_requests", "Requests answered", ["route", "status"], registry=self.registry
        )
        self.seconds = Histogram("align_request_seconds", "Time to answer", ["route"], registry=self.registry)
        self.texts = Counter("align_texts_embedded", "Texts embedded", ["model"], registry=self.registry)

    def count_texts(self, model: str, texts: int) -> None:
        self.texts.labels(model).inc(texts)

    def install(self, app: FastAPI) -> None:
        """Log, time and count every request ``app`` answers (counted by its route's pattern, so that
        arbitrary paths make one label, not many), and serve ``/metrics``."""

        @app.middleware("http")
        async def measure(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
            started = time.perf_counter()
            response = await call_next(request)
            took = time.perf_counter() - started
            route = getattr(request.scope.get("route"), "path", "unmatched")
            self.requests.labels(route, str(response.status_code)).inc()
            self.seconds.labels(route).observe(took)
            client = f"{request.client.host}:{request.client.port}" if request.client else "-"
            status, path = response.status_code, request.url.path
            requests_log.info("%s %s %d %.1f ms %s", request.method, path, status, took * 1e3, client)
            return response

        @app.get("/metrics", include_in_schema=False)
        async def metrics() -> Response:
            return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)
