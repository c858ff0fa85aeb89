"""Per-model result cache, so that a long benchmark run resumes instead of starting over.

Results are keyed by the embedder's fingerprint (for a model, its embedding of a probe sentence),
not its name: retraining a model at the same path makes a new key, and stale results are never
reused. Each result is one small JSON file, written atomically.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from align.embedding.protocol import Embedder
from align.outputs import atomic_path, cache_dir


def default_cache_dir() -> Path:
    return cache_dir("bench")


class ResultCache:
    """Results of one embedder, one JSON file per (task, item)."""

    def __init__(self, root: str | os.PathLike, embedder: Embedder) -> None:
        readable = re.sub(r"[^\w.-]+", "_", embedder.name.strip("/"))[-60:]
        self.directory = Path(root) / f"{readable}-{embedder.fingerprint()}"

    def _path(self, task: str, item: str) -> Path:
        return self.directory / task / f"{item}.json"

    def get(self, task: str, item: str) -> dict[str, Any] | None:
        path = self._path(task, item)
        if not path.is_file():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:  # a damaged entry is recomputed, not trusted
            return None

    def put(self, task: str, item: str, result: dict[str, Any]) -> None:
        with atomic_path(self._path(task, item)) as tmp:
            tmp.write_text(json.dumps(result, ensure_ascii=False) + "\n", encoding="utf-8")
