"""A model served elsewhere, reached through an OpenAI-compatible ``/v1/embeddings`` endpoint.

Mining, filtering and the benchmarks can then use a model that runs on another machine (a GPU
server, ``align serve``, vLLM, Text Embeddings Inference, OpenAI itself) as they use a local one.
Requests go out a batch at a time, a few in flight at once; a busy or failing server is retried a
few times, then the error it gave is raised with the URL. The standard library does the HTTP.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from align.embedding.protocol import prompt_for, scale_to_unit
from align.errors import AlignError

KEY_ENVS = ("ALIGN_API_KEY", "OPENAI_API_KEY")  # a bearer token, sent when one is set
BATCH_SIZE = 64  # texts a request
IN_FLIGHT = 4  # requests at once: enough to hide the network's latency, few enough not to flood a server
TIMEOUT = 60.0  # seconds a request may take
RETRIES = 3  # further tries of a request the server answered with 429 or 5xx, or did not answer
RETRY_STATUS = {429, 500, 502, 503, 504}
# Embedded once on connecting: its vector gives the dimension, and (hashed) the fingerprint.
PROBE = "align fingerprint: 我热爱自然语言处理 / I love natural language processing."


def split_spec(spec: str) -> tuple[str, str | None]:
    """``http://host/v1#model`` → (``http://host/v1``, ``model``); an ``/embeddings`` at the end of
    the URL is dropped, so the endpoint's own address works too."""
    url, _, model = spec.partition("#")
    url = url.rstrip("/")
    if url.endswith("/embeddings"):
        url = url[: -len("/embeddings")]
    return url, model or None


class RemoteEmbedder:
    """An OpenAI-compatible embeddings endpoint, giving unit float32 rows."""

    def __init__(self, url: str, model: str, *, batch_size: int = BATCH_SIZE) -> None:
        self.url = url
        self.model = model
        self.name = f"{url}#{model}"
        self.batch_size = batch_size
        self.max_length: int | None = None
        self.prompts: dict[str, str] = {}
        probe = self._request([PROBE])
        self.dimension = int(probe.shape[1])
        digest = hashlib.sha1(self.name.encode())
        digest.update(np.round(probe, 4).tobytes())
        self._fingerprint = digest.hexdigest()[:12]

    @classmethod
    def connect(cls, spec: str) -> RemoteEmbedder:
        """The endpoint ``spec`` names; without ``#MODEL``, the one model the server lists."""
        url, model = split_spec(spec)
        if model is None:
            listed = [str(entry.get("id")) for entry in _call(f"{url}/models", None).get("data", [])]
            if len(listed) != 1:
                raise AlignError(
                    f"{url} serves {len(listed)} models ({', '.join(listed) or 'none listed'}); "
                    f"name one after the URL: {url}#MODEL"
                )
            model = listed[0]
        return cls(url, model)

    def __call__(self, texts: Sequence[str], *, role: str | None = None) -> np.ndarray:
        """Unit rows in the order of ``texts``; an empty text is a zero row (never sent: OpenAI's
        API refuses empty inputs)."""
        prompt_for(self.prompts, role)  # the server applies its own prompts: a role is refused by name
        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        filled = [index for index, text in enumerate(texts) if text]
        batches = [
            filled[start : start + self.batch_size] for start in range(0, len(filled), self.batch_size)
        ]
        with ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
            results = pool.map(lambda batch: self._request([texts[index] for index in batch]), batches)
            for batch, vectors in zip(batches, results, strict=True):
                rows[batch] = vectors
        return scale_to_unit(rows)

    def _request(self, texts: list[str]) -> np.ndarray:
        body = {"model": self.model, "input": texts, "encoding_format": "float"}
        answer = _call(f"{self.url}/embeddings", body)
        try:
            data = sorted(answer["data"], key=lambda entry: entry["index"])
            vectors = np.array([entry["embedding"] for entry in data], dtype=np.float32)
        except (KeyError, TypeError, ValueError):
            raise AlignError(
                f"{self.url}/embeddings: the answer is not an OpenAI embeddings response"
            ) from None
        if vectors.ndim != 2 or len(vectors) != len(texts):
            raise AlignError(f"{self.url}/embeddings: asked for {len(texts)} vectors, got {len(vectors)}")
        return vectors

    def fingerprint(self) -> str:
        """A hash of the URL, the model and the probe sentence's vector."""
        return self._fingerprint


def _call(url: str, body: dict | None) -> dict:
    """GET (no body) or POST JSON to ``url``; the decoded JSON answer. Retries what may pass."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    key = next((os.environ[name] for name in KEY_ENVS if os.environ.get(name)), None)
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = json.dumps(body).encode() if body is not None else None
    for attempt in range(RETRIES + 1):
        request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            if error.code not in RETRY_STATUS or attempt == RETRIES:
                raise AlignError(f"{url}: the server answered {error.code}: {_message(error)}") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            if attempt == RETRIES:
                reason = getattr(error, "reason", error)
                raise AlignError(f"{url}: no answer after {RETRIES + 1} tries ({reason})") from None
        except ValueError:
            raise AlignError(f"{url}: the answer is not JSON") from None
        time.sleep(0.5 * 2**attempt)
    raise AssertionError("unreachable")


def _message(error: urllib.error.HTTPError) -> str:
    """The server's own error message: OpenAI's ``{"error": {"message": …}}``, FastAPI's
    ``{"detail": …}``, or the body's start."""
    body = error.read().decode("utf-8", "replace")
    try:
        answer = json.loads(body)
        detail = answer.get("error", answer.get("detail", answer))
        return str(detail.get("message", detail) if isinstance(detail, dict) else detail)
    except (ValueError, AttributeError):
        return body[:200] or error.reason
