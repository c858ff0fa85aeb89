"""A test's own align server: an app run by uvicorn in a thread, on a free port of 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

KEY = "secret-key"


def faq_app(model: Path, directory: Path, **limits: Any) -> Any:
    """The app the serve tests share: ``model`` as "tiny", a store "faq" in ``directory`` holding
    40 of the composed pairs' sentences (English and Chinese), the API key :data:`KEY`, and the
    small ``limits`` (ServeConfig's) a test can reach."""
    from align.embedding import load_embedder
    from align.serve.app import create_app
    from align.serve.config import ServeConfig
    from align.store import Store
    from tests.conftest import COMPOSED

    store = Store(directory, str(model), lid=None)
    texts = [text for pair in COMPOSED[:20] for text in pair]
    store.upsert([f"d{n}" for n in range(len(texts))], texts, langs=["en", "zh"] * 20)
    config = ServeConfig(models=(("tiny", str(model)),), **limits)
    return create_app(config, {"tiny": load_embedder(model)}, {"faq": store}, api_key=KEY)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running(app: Any) -> Iterator[str]:
    """``app`` answering on 127.0.0.1 (its base URL yielded) until the block ends."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
