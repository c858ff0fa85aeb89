"""align serve: the official openai SDK against a server on 127.0.0.1 (vectors equal to align
embed's, float and base64), and every malformed request answered with a 4xx JSON message."""

from __future__ import annotations

import base64
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from align.embedding import load_embedder
from align.serve.app import create_app
from align.serve.config import ServeConfig, named
from tests.serving import KEY, faq_app, free_port, running

TEXTS = ["I love NLP", "我热爱自然语言处理", "Ich liebe NLP"]


@pytest.fixture(scope="module")
def server(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The shared test app (tests.serving.faq_app) with small limits, on 127.0.0.1."""
    directory = tmp_path_factory.mktemp("serve") / "faq"
    app = faq_app(tiny_model, directory, max_inputs=8, max_chars=200, max_body=4_000)
    with running(app) as url:
        yield url


def test_the_openai_sdk_lists_and_embeds_as_align_embed_does(
    server: str, tiny_model: Path, tmp_path: Path
) -> None:
    openai = pytest.importorskip("openai")
    from typer.testing import CliRunner

    from align.cli import app

    client = openai.OpenAI(base_url=f"{server}/v1", api_key=KEY, max_retries=0)
    assert [model.id for model in client.models.list()] == ["tiny"]
    (tmp_path / "texts.txt").write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    embedded = CliRunner().invoke(
        app, ["embed", "--model", str(tiny_model), str(tmp_path / "texts.txt"), str(tmp_path / "v.npy")]
    )
    assert embedded.exit_code == 0, embedded.output
    expected = np.load(tmp_path / "v.npy")
    one = client.embeddings.create(model="tiny", input=TEXTS[0], encoding_format="float")
    assert np.allclose(one.data[0].embedding, expected[0], atol=1e-6)
    for encoding in ("float", "base64"):
        many = client.embeddings.create(model="tiny", input=TEXTS, encoding_format=encoding)
        assert [item.index for item in many.data] == [0, 1, 2]
        vectors = [  # asked for by name, base64 comes back as the server wrote it: little-endian float32
            np.frombuffer(base64.b64decode(item.embedding), dtype="<f4")
            if encoding == "base64"
            else item.embedding
            for item in many.data
        ]
        assert np.allclose(vectors, expected, atol=1e-6)
        assert many.usage.prompt_tokens > 0 and many.usage.total_tokens == many.usage.prompt_tokens
    default = client.embeddings.create(model="tiny", input=TEXTS)  # the SDK asks for base64 itself
    assert np.allclose([item.embedding for item in default.data], expected, atol=1e-6)
    with pytest.raises(openai.NotFoundError, match="not served here"):
        client.embeddings.create(model="gpt-4", input="x")
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{server}/v1", api_key="wrong", max_retries=0).models.list()


BAD_REQUESTS = [
    (b"{not json", 400, "not JSON"),
    (b"\xff\xfe\x00garbage", 400, "not JSON"),
    (b"[1, 2]", 400, "JSON object"),
    (b'{"model": "tiny"}', 400, 'needs "input"'),
    (b'{"model": "tiny", "input": 5}', 400, "string or a non-empty list"),
    (b'{"model": "tiny", "input": []}', 400, "string or a non-empty list"),
    (b'{"model": "tiny", "input": [1, 2, 3]}', 400, "token ids"),
    (b'{"model": "tiny", "input": [[1, 2]]}', 400, "token ids"),
    (b'{"model": "tiny", "input": ["ok", null]}', 400, "input 1 is NoneType"),
    (b'{"model": "tiny", "input": ["  "]}', 400, "input 0 is empty"),
    (b'{"model": "tiny", "input": "x", "encoding_format": "int8"}', 400, "float or base64"),
    (b'{"model": "tiny", "input": "x", "dimensions": 3}', 400, "dimensions"),
    (b'{"model": "../../etc/passwd", "input": "x"}', 404, "not served here"),
    (b'{"model": ["tiny"], "input": "x"}', 404, "not served here"),
    (b'{"model": "tiny", "input": ["a", "b", "c", "d", "e", "f", "g", "h", "i"]}', 413, "9 texts"),
    (b'{"model": "tiny", "input": "' + b"a" * 300 + b'"}', 422, "300 characters"),
    (b'{"model": "tiny", "input": "' + b"a " * 2_500 + b'"}', 413, "bytes"),
]


@pytest.mark.parametrize(("body", "status", "message"), BAD_REQUESTS)
def test_a_malformed_request_gets_a_4xx_json_message(
    server: str, body: bytes, status: int, message: str
) -> None:
    import httpx

    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    answer = httpx.post(f"{server}/v1/embeddings", content=body, headers=headers, timeout=10)
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert message in error["message"] and error["type"] == "invalid_request_error"
    assert httpx.get(f"{server}/health", timeout=10).json() == {"status": "ok"}  # still up


def test_unknown_paths_methods_and_missing_keys_are_json_too(server: str) -> None:
    import httpx

    assert httpx.get(f"{server}/v1/nothing", timeout=10).json()["error"]["message"] == "Not Found"
    wrong_method = httpx.get(f"{server}/v1/embeddings", timeout=10)
    assert wrong_method.status_code == 405 and "error" in wrong_method.json()
    anonymous = httpx.post(f"{server}/v1/embeddings", json={"model": "tiny", "input": "x"}, timeout=10)
    assert anonymous.status_code == 401 and anonymous.json()["error"]["type"] == "authentication_error"


def test_model_names_come_from_the_option_or_the_path() -> None:
    from align.errors import AlignError

    assert named(["e5=models/e5", "models/en-zh"]) == (("e5", "models/e5"), ("en-zh", "models/en-zh"))
    with pytest.raises(AlignError, match="given twice"):
        named(["a/m", "b/m"])
    with pytest.raises(AlignError, match="write NAME=PATH"):
        named(["=models/e5"])


AUTH = {"Authorization": f"Bearer {KEY}"}


def test_a_store_is_searched_updated_and_described_over_http(server: str) -> None:
    import httpx

    from tests.conftest import COMPOSED

    def post(path: str, body: dict) -> httpx.Response:
        return httpx.post(f"{server}{path}", json=body, headers=AUTH, timeout=20)

    found = post("/v1/stores/faq/search", {"query": COMPOSED[3][0], "k": 3, "where": {"lang": "zh"}})
    assert found.status_code == 200, found.text
    hits = found.json()["results"][0]["hits"]
    assert len(hits) == 3 and {hit["lang"] for hit in hits} == {"zh"} and hits[0]["text"] == COMPOSED[3][1]
    assert (
        post(
            "/v1/stores/faq/search", {"query": [COMPOSED[1][0], COMPOSED[2][0]], "mode": "hybrid"}
        ).status_code
        == 200
    )
    added = post(
        "/v1/stores/faq/documents", {"documents": [{"id": "new", "text": "新的文件。", "metadata": {"v": 1}}]}
    )
    assert added.json() == {"store": "faq", "upserted": 1, "documents": 41}
    again = post("/v1/stores/faq/search", {"query": "新的文件。", "k": 1}).json()["results"][0]["hits"][0]
    assert again["id"] == "new" and again["metadata"] == {"v": 1}
    lexical = post("/v1/stores/faq/search", {"query": "I like tea and flowers", "k": 1, "mode": "lexical"})
    assert set(lexical.json()["results"][0]["hits"][0]["matched"]) <= {"i", "like", "tea", "flowers"}
    assert post("/v1/stores/faq/delete", {"ids": ["new", "never"]}).json()["deleted"] == 1
    info = httpx.get(f"{server}/info", headers=AUTH, timeout=10).json()
    assert info["stores"]["faq"]["documents"] == 40 and info["stores"]["faq"]["languages"] == {
        "en": 20,
        "zh": 20,
    }
    assert info["models"]["tiny"]["dimension"] == info["stores"]["faq"]["dimension"]
    for path, body, status, message in [
        ("/v1/stores/nope/search", {"query": "x"}, 404, "not served here"),
        ("/v1/stores/..%2F..%2Fetc/search", {"query": "x"}, 404, ""),
        ("/v1/stores/faq/search", {"query": "x", "k": 0}, 400, "k:"),
        (
            "/v1/stores/faq/search",
            {"query": "x", "where": {"lang": {"$like": "z%"}}},
            400,
            "unknown operator",
        ),
        ("/v1/stores/faq/search", {"query": "x", "colour": "red"}, 400, "colour"),
        ("/v1/stores/faq/search", {"query": ""}, 400, "empty"),
        ("/v1/stores/faq/documents", {"documents": []}, 400, "documents"),
        ("/v1/stores/faq/documents", {"documents": [{"id": "a"}]}, 400, "text"),
        ("/v1/stores/faq/delete", {"ids": "a"}, 400, "ids"),
    ]:
        answer = post(path, body)
        assert answer.status_code == status and message in answer.json()["error"]["message"], (
            path,
            answer.text,
        )


def test_metrics_count_requests_and_texts(server: str) -> None:
    import httpx

    httpx.post(
        f"{server}/v1/embeddings", json={"model": "tiny", "input": ["a", "b"]}, headers=AUTH, timeout=10
    )
    text = httpx.get(f"{server}/metrics", timeout=10).text
    assert 'align_requests_total{route="/v1/embeddings",status="200"}' in text
    assert 'align_texts_embedded_total{model="tiny"}' in text and "align_request_seconds_bucket" in text


def test_one_log_line_a_request_and_cors_only_when_asked(
    tiny_model: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from fastapi.testclient import TestClient

    embedders = {"tiny": load_embedder(tiny_model)}
    preflight = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"}
    closed = TestClient(create_app(ServeConfig(), embedders))
    with caplog.at_level("INFO", logger="align.serve.requests"):
        assert closed.post("/v1/embeddings", json={"model": "tiny", "input": "x"}).status_code == 200
    [line] = [record.getMessage() for record in caplog.records if record.name == "align.serve.requests"]
    assert line.startswith("POST /v1/embeddings 200 ") and " ms " in line
    assert "access-control-allow-origin" not in closed.options("/v1/embeddings", headers=preflight).headers
    opened = TestClient(create_app(ServeConfig(cors=("https://app.example.com",)), embedders))
    allowed = opened.options("/v1/embeddings", headers=preflight)
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    elsewhere = opened.options("/v1/embeddings", headers=preflight | {"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in elsewhere.headers


@pytest.mark.parametrize("stop", ["SIGKILL", "SIGTERM"])
def test_a_server_stopped_in_a_stream_of_upserts_keeps_every_acknowledged_document(
    tiny_model: Path, tmp_path: Path, stop: str
) -> None:
    """SIGKILL: no shutdown at all; SIGTERM: requests in flight finish, the stores close, exit 0."""
    import signal
    import subprocess
    import sys

    import httpx

    from align.store import Store

    directory = tmp_path / "store"
    Store(directory, str(tiny_model), lid=None).close()
    port = free_port()
    command = [sys.executable, "-m", "align.cli", "serve", "--store", f"s={directory}", "--port", str(port)]
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    acknowledged: list[str] = []

    def stream() -> None:  # batch after batch, until the server dies under it
        for batch in range(10_000):
            ids = [f"b{batch}-{n}" for n in range(5)]
            documents = [{"id": i, "text": f"document {i}", "lang": "en"} for i in ids]
            try:
                answer = httpx.post(f"{url}/v1/stores/s/documents", json={"documents": documents}, timeout=20)
            except httpx.TransportError:
                return
            assert answer.status_code == 200, answer.text
            acknowledged.extend(ids)

    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{url}/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        writer = threading.Thread(target=stream)
        writer.start()
        time.sleep(random.uniform(1.0, 2.5))
        child.send_signal(getattr(signal, stop))  # in the middle of the stream
        writer.join(timeout=30)
        if stop == "SIGTERM":
            assert child.wait(timeout=30) == 0  # a graceful stop
    finally:
        child.kill()
        child.wait(timeout=10)
    reopened = Store(directory)
    assert acknowledged and all(reopened.get(identifier) is not None for identifier in acknowledged)
    assert len(acknowledged) <= len(reopened) <= len(acknowledged) + 5  # at most the batch in flight


@pytest.mark.parametrize(("batching", "calls"), [(True, 1), (False, 3)])
def test_requests_arriving_together_share_one_model_call(
    tiny_model: Path, batching: bool, calls: int
) -> None:
    import asyncio

    import httpx

    embedder = load_embedder(tiny_model)
    app = create_app(ServeConfig(batching=batching, batch_wait_ms=300), {"tiny": embedder})

    async def together() -> list[httpx.Response]:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://align"
        ) as client:
            asked = [client.post("/v1/embeddings", json={"model": "tiny", "input": [text]}) for text in TEXTS]
            return await asyncio.gather(*asked)

    answers = asyncio.run(together())
    assert app.state.batchers["tiny"].calls == calls
    vectors = [answer.json()["data"][0]["embedding"] for answer in answers]
    assert np.allclose(vectors, embedder(TEXTS), atol=1e-6)  # each request its own rows
