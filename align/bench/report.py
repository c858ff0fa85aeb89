"""Benchmark reports: a JSON document with everything needed to cite a figure, and a Markdown table.

JSON schema (``REPORT_SCHEMA_VERSION`` 1)::

    {"schema": 1, "task": "tatoeba", "created": ISO-8601 time, "seconds": float,
     "data": str, "settings": {...}, "versions": {"align": ..., "sentence-transformers": ..., ...},
     "machine": {"platform": str, "cpus": int},
     "models": [{"model": name, "languages": [{"language", "xx_to_en", "en_to_xx", "mean",
                 "error_rate", "pairs"}, ...], "average": {"xx_to_en", "en_to_xx", "mean"}}]}
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import platform
from typing import Any

from align.bench.tatoeba import TatoebaScore
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


def average(scores: list[TatoebaScore]) -> dict[str, float]:
    count = len(scores)
    return {
        "xx_to_en": sum(s.xx_to_en for s in scores) / count,
        "en_to_xx": sum(s.en_to_xx for s in scores) / count,
        "mean": sum(s.mean for s in scores) / count,
    }


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


def tatoeba_report(
    results: dict[str, list[TatoebaScore]], *, data: str, settings: dict[str, Any], seconds: float
) -> dict[str, Any]:
    return {
        **report_header("tatoeba", data=data, settings=settings, seconds=seconds),
        "models": [
            {
                "model": model,
                "languages": [
                    {
                        "language": s.language,
                        "xx_to_en": s.xx_to_en,
                        "en_to_xx": s.en_to_xx,
                        "mean": s.mean,
                        "error_rate": s.error_rate,
                        "pairs": s.pairs,
                    }
                    for s in scores
                ],
                "average": average(scores),
            }
            for model, scores in results.items()
        ],
    }


def tatoeba_markdown(results: dict[str, list[TatoebaScore]], *, max_rows: int = 40) -> str:
    """Languages as rows and each model's xx→en / en→xx / mean as columns, averages last.

    With more than ``max_rows`` languages only the averages are shown (the JSON has them all).
    """
    models = list(results)
    header = "| language | " + " | ".join(f"{m} xx→en | {m} en→xx | {m} mean" for m in models) + " |"
    lines = [header, "|---|" + "---|" * (3 * len(models))]
    languages = [s.language for s in next(iter(results.values()))]
    if len(languages) <= max_rows:
        for index, language in enumerate(languages):
            cells = [
                f"{results[m][index].xx_to_en:.1f} | {results[m][index].en_to_xx:.1f} | "
                f"{results[m][index].mean:.1f}"
                for m in models
            ]
            lines.append(f"| {language} | " + " | ".join(cells) + " |")
    averages = [average(results[m]) for m in models]
    lines.append(
        f"| **average ({len(languages)})** | "
        + " | ".join(
            f"**{a['xx_to_en']:.1f}** | **{a['en_to_xx']:.1f}** | **{a['mean']:.1f}**" for a in averages
        )
        + " |"
    )
    return "\n".join(lines)


def write_json(report: dict[str, Any], path: str | os.PathLike) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
