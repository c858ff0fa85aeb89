"""A model served elsewhere, through an OpenAI-compatible /v1/embeddings endpoint, embeds as the
same model does locally; the server's errors reach the caller with its message."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from align.embedding import Embedder, load_embedder
from align.errors import AlignError


@pytest.fixture
def served(tiny_model: Path) -> Iterator[tuple[str, list[dict]]]:
    """An OpenAI-style server on 127.0.0.1 that embeds with the tiny model (vectors scaled by 3, as a
    server that does not normalise would send them); yields its URL and the requests it saw."""
    local = load_embedder(tiny_model)
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._answer(200, {"object": "list", "data": [{"id": "tiny", "object": "model"}]})

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append({**body, "authorization": self.headers.get("Authorization")})
            if any(text == "" or "bad input" in text for text in body["input"]):
                self._answer(
                    400, {"error": {"message": "input must be non-empty and good", "type": "invalid"}}
                )
                return
            vectors = 3 * local(body["input"])
            data = [
                {"object": "embedding", "index": i, "embedding": row.tolist()}
                for i, row in enumerate(vectors)
            ]
            self._answer(200, {"object": "list", "model": body["model"], "data": data[::-1]})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", seen
    finally:
        server.shutdown()
        server.server_close()


def test_a_served_model_embeds_as_the_local_one(
    served: tuple[str, list[dict]], tiny_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, seen = served
    monkeypatch.setenv("ALIGN_API_KEY", "secret")
    remote = load_embedder(url)  # the one model the server lists
    assert isinstance(remote, Embedder) and remote.name == f"{url}#tiny"
    texts = [f"sentence {number}" for number in range(150)] + ["", "I like tea."]
    rows = remote(texts)
    local = load_embedder(tiny_model)(texts)
    assert np.abs(rows - local).max() <= 1e-5  # unit rows, in order, though the server answers reversed
    assert not rows[150].any()  # an empty text is a zero row, never sent
    assert all("" not in request["input"] for request in seen)
    assert max(len(request["input"]) for request in seen) == 64
    assert {request["authorization"] for request in seen} == {"Bearer secret"}
    assert load_embedder(f"{url}/embeddings#tiny").fingerprint() == remote.fingerprint()


def test_a_servers_error_is_raised_with_its_message(served: tuple[str, list[dict]]) -> None:
    url, _ = served
    remote = load_embedder(f"{url}#tiny")
    with pytest.raises(AlignError, match=r"/v1/embeddings: the server answered 400: input must be non-empty"):
        remote(["fine", "bad input"])
    with pytest.raises(AlignError, match="no prompt for the role 'query'"):
        remote(["fine"], role="query")


def test_an_unreachable_endpoint_fails_with_its_url(monkeypatch: pytest.MonkeyPatch) -> None:
    import align.embedding.remote as remote

    monkeypatch.setattr(remote, "RETRIES", 0)
    with pytest.raises(AlignError, match=r"http://127.0.0.1:9/v1/embeddings: no answer after 1 tries"):
        load_embedder("http://127.0.0.1:9/v1#model")


def test_mining_runs_with_a_served_model(
    served: tuple[str, list[dict]], tiny_model: Path, tmp_path: Path
) -> None:
    from align.mining.run import mine_text_files
    from tests.conftest import COMPOSED

    url, _ = served
    (tmp_path / "src.txt").write_text("\n".join(en for en, _ in COMPOSED[:20]) + "\n", encoding="utf-8")
    (tmp_path / "tgt.txt").write_text("\n".join(zh for _, zh in COMPOSED[:20][::-1]) + "\n", encoding="utf-8")
    report = mine_text_files(url, tmp_path / "src.txt", tmp_path / "tgt.txt", tmp_path / "out.tsv")
    local = mine_text_files(tiny_model, tmp_path / "src.txt", tmp_path / "tgt.txt", tmp_path / "local.tsv")
    assert report.written == local.written > 0
    remote_rows, local_rows = (
        [line.split("\t") for line in (tmp_path / name).read_text(encoding="utf-8").splitlines()]
        for name in ("out.tsv", "local.tsv")
    )
    assert [row[1:] for row in remote_rows] == [row[1:] for row in local_rows]
    assert np.allclose(
        [float(row[0]) for row in remote_rows], [float(row[0]) for row in local_rows], atol=1e-5
    )
