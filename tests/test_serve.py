"""align serve: the official openai SDK against a server on 127.0.0.1 (vectors equal to align
embed's, float and base64), and every malformed request answered with a 4xx JSON message."""

from __future__ import annotations

import base64
import socket
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
from align.serve.config import ServeConfig, named_models

KEY = "secret-key"
TEXTS = ["I love NLP", "我热爱自然语言处理", "Ich liebe NLP"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tiny_model: Path) -> Iterator[str]:
    """A server on 127.0.0.1 with the tiny model as "tiny" and small limits; stopped after."""
    import uvicorn

    config = ServeConfig(models=(("tiny", str(tiny_model)),), max_inputs=8, max_chars=200, max_body=4_000)
    app = create_app(config, {"tiny": load_embedder(tiny_model)}, api_key=KEY)
    port = _free_port()
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.started, "the server did not start"
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


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

    assert named_models(["e5=models/e5", "models/en-zh"]) == (("e5", "models/e5"), ("en-zh", "models/en-zh"))
    with pytest.raises(AlignError, match="given twice"):
        named_models(["a/m", "b/m"])
    with pytest.raises(AlignError, match="write NAME=MODEL"):
        named_models(["=models/e5"])
