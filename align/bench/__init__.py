"""Benchmarks: each task is metadata plus an evaluation (:mod:`align.bench.task`), and one runner
(:mod:`align.bench.runner`) scores models × tasks with a cache, timing, a JSON report, a Markdown
table and plots. Tasks: Tatoeba, BUCC mining F1, cross-lingual retrieval and sentence alignment."""

from __future__ import annotations

from typing import TYPE_CHECKING

from align.lazy import lazy_exports

if TYPE_CHECKING:
    from align.bench.bucc import BuccTask
    from align.bench.retrieval import RetrievalTask
    from align.bench.runner import BenchmarkRun, run_benchmarks
    from align.bench.sentalign import SentalignTask
    from align.bench.task import Task, TaskMetadata, TaskResult
    from align.bench.tatoeba import TatoebaTask
    from align.embedding.precomputed import PrecomputedEmbeddings

__getattr__, __all__ = lazy_exports(__name__, __file__)
