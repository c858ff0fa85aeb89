"""Benchmarks: each task is metadata plus an evaluation (:mod:`align.bench.task`), and one runner
(:mod:`align.bench.runner`) scores models × tasks with a cache, timing, a JSON report, a Markdown
table and plots. Tasks: Tatoeba, BUCC mining F1 and cross-lingual retrieval."""

from __future__ import annotations

from typing import TYPE_CHECKING

from align.lazy import lazy_exports

_EXPORTS = {
    "BuccTask": "align.bench.bucc",
    "RetrievalTask": "align.bench.retrieval",
    "TatoebaTask": "align.bench.tatoeba",
    "Task": "align.bench.task",
    "TaskMetadata": "align.bench.task",
    "TaskResult": "align.bench.task",
    "BenchmarkRun": "align.bench.runner",
    "run_benchmarks": "align.bench.runner",
    "Embedder": "align.bench.embedders",
    "PrecomputedEmbeddings": "align.bench.embedders",
}
__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from align.bench.bucc import BuccTask
    from align.bench.embedders import Embedder, PrecomputedEmbeddings
    from align.bench.retrieval import RetrievalTask
    from align.bench.runner import BenchmarkRun, run_benchmarks
    from align.bench.task import Task, TaskMetadata, TaskResult
    from align.bench.tatoeba import TatoebaTask

__getattr__ = lazy_exports(__name__, _EXPORTS)
