"""Benchmark reports: a JSON document with everything needed to reproduce and cite a figure.

JSON schema (``REPORT_SCHEMA_VERSION`` 1), the same for every task::

    {"schema": 1, "task": "tatoeba", "created": ISO-8601 time, "seconds": float,
     "data": str, "settings": {...}, "versions": {"align": ..., "sentence-transformers": ..., ...},
     "machine": {"platform": str, "cpus": int},
     "models": [{"model": label, ...what the task's result writes...}, ...]}

The benchmark scripts in ``benchmarks/`` write the same header with their own figures after it.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import platform
from typing import Any

from align.outputs import atomic_path

REPORT_SCHEMA_VERSION = 1


def versions() -> dict[str, str]:
    found = {}
    for package in ("align", "sentence-transformers", "transformers", "torch", "faiss-cpu", "numpy"):
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def report_header(task: str, *, data: str, settings: dict[str, Any], seconds: float) -> dict[str, Any]:
    """What every bench report starts with: enough to reproduce and cite its figures."""
    return {
        "schema": REPORT_SCHEMA_VERSION,
        "task": task,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(seconds, 1),
        "data": data,
        "settings": settings,
        "versions": versions(),
        "machine": {"platform": platform.platform(), "cpus": usable_cpus()},
    }


def usable_cpus() -> int:
    """The cores this process may run on: a container or ``taskset`` can allow fewer than the
    machine has, and timings depend on the allowed ones."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def write_json(report: dict[str, Any], path: str | os.PathLike) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
