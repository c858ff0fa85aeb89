"""Fuzzing every endpoint of align serve: valid requests bent at random (fields dropped, values of
the wrong type, empty and huge inputs, non-UTF-8 bytes, deep nesting, cut-off JSON, odd names in
the path). Each must be answered with a 4xx JSON message or a 200, never a 500, and the server must
stay up."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.serving import KEY, faq_app, running

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

VALID: dict[str, dict[str, Any]] = {
    "/v1/embeddings": {"model": "tiny", "input": ["I like tea.", "我喜欢茶。"], "encoding_format": "float"},
    "/v1/stores/faq/search": {"query": "I like tea.", "k": 3, "mode": "hybrid", "where": {"lang": "zh"}},
    "/v1/stores/faq/documents": {"documents": [{"id": "fuzz", "text": "Fuzzed.", "metadata": {"a": 1}}]},
    "/v1/stores/faq/delete": {"ids": ["fuzz"]},
}
GETS = ["/health", "/info", "/v1/models", "/metrics", "/", "/page/page.js"]
ODD_NAMES = ["..", "%2e%2e", "..%2f..%2fetc%2fpasswd", "faq%00", "%ff%fe", "f" * 500, "faq;drop", "ＦＡＱ"]
STRANGE = [
    None,
    True,
    0,
    -1,
    2**70,
    1e308,
    "",
    " ",
    "x" * 5_000,
    "\ud800",  # a lone surrogate: JSON can escape one, UTF-8 cannot hold it
    "nul\x00in the middle",
    [],
    [None],
    [[]],
    {},
    {"$gt": []},
    ["a"] * 50,
    {"lang": {"$in": "zh"}},
    {"lang": {"$regex": ".*"}},
    {"metadata.a": {"$gte": {"nested": 1}}},
    {"'; DROP TABLE documents; --": 1},
]


def mutated(body: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """``body`` with one field, at any depth, dropped, replaced by a strange value, or added."""
    body = json.loads(json.dumps(body))
    holder: Any = body
    while True:
        keys = list(holder) if isinstance(holder, dict) else list(range(len(holder)))
        if not keys:
            break
        key = rng.choice(keys)
        if isinstance(holder[key], dict | list) and holder[key] and rng.random() < 0.5:
            holder = holder[key]
            continue
        action = rng.random()
        if action < 0.2 and isinstance(holder, dict):
            del holder[key]
        elif action < 0.3 and isinstance(holder, dict):
            holder[rng.choice(["extra", "model", "k", "input", "ids"])] = rng.choice(STRANGE)
        else:
            holder[key] = rng.choice(STRANGE)
        break
    return body


def raw_bodies(rng: random.Random) -> Iterator[bytes]:
    """Bodies that are not JSON objects at all, or barely."""
    yield b""
    yield b"null"
    yield b'"a string"'
    yield b"{" * 10_000  # cut off
    yield b"[" * 100_000 + b"]" * 100_000  # deeper than a JSON parser recurses
    yield b'{"a":' * 50_000 + b"1" + b"}" * 50_000
    yield b'{"model": "tiny", "input": "\xff\xfe"}'
    yield b'{"model": "tiny", "input": "\\ud800"}'  # a lone surrogate, escaped
    yield b'{"model": "tiny", "input": NaN}'
    yield b'{"k": Infinity, "query": "x"}'
    yield bytes(rng.randrange(256) for _ in range(300))
    yield b'{"model": "tiny", "model": "tiny", "input": "x"}'


@pytest.fixture(scope="module")
def server(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    app = faq_app(tiny_model, tmp_path_factory.mktemp("fuzz") / "faq", max_inputs=16, max_body=2**20)
    with running(app) as url:
        yield url


def check(answer: httpx.Response, what: str) -> None:
    assert answer.status_code < 500, f"{what}: {answer.status_code} {answer.text[:300]}"
    if answer.status_code >= 400:
        error = answer.json()["error"]
        assert error["message"] and error["type"] in ("invalid_request_error", "authentication_error"), what


def test_every_endpoint_answers_bent_requests_with_a_4xx_json_message(server: str) -> None:
    rng = random.Random(32)
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    with httpx.Client(base_url=server, headers=headers, timeout=30) as client:
        for path, body in VALID.items():
            check(client.post(path, json=body), f"valid {path}")
            for number in range(60):
                bent = mutated(body, rng)
                check(client.post(path, content=json.dumps(bent)), f"{path} #{number}: {bent!r:.300}")
            for raw in raw_bodies(rng):
                check(client.post(path, content=raw), f"{path} with {raw[:60]!r}")
            check(client.post(path, json=body, headers={"Authorization": "Bearer wrong"}), f"{path} bad key")
        for name in ODD_NAMES:
            for action in ("search", "documents", "delete"):
                answer = client.post(f"/v1/stores/{name}/{action}", json=VALID["/v1/stores/faq/search"])
                check(answer, f"store {name!r} {action}")
                assert answer.status_code in (400, 404, 405), f"store {name!r}: {answer.status_code}"
            check(client.post("/v1/embeddings", json={"model": name, "input": "x"}), f"model {name!r}")
            check(client.get(f"/page/{name}"), f"page {name!r}")
        for path in GETS:
            check(client.get(path), path)
            check(client.post(path, content=b"{}"), f"POST {path}")
        for path in VALID:
            check(client.get(path), f"GET {path}")
        assert client.get("/health").json() == {"status": "ok"}
        assert client.get("/page/../../pyproject.toml").status_code == 404  # nothing outside the page
