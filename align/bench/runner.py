"""One runner for every benchmark: models × tasks, with the result cache, timing, the report,
the Markdown table and plots in one place, so a task only evaluates.

    runs = run_benchmarks([TatoebaTask(data, ["cmn", "deu"])], ["models/en-zh", "models/e5"])
    print(runs[0].markdown())
    runs[0].write(output="tatoeba.json", plot="tatoeba.png")

Each model is loaded once and scored on every task before the next one loads.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from align.bench.cache import ResultCache, default_cache_dir
from align.bench.report import report_header, write_json
from align.bench.settings import BenchSettings
from align.bench.task import Task, TaskResult
from align.embedding.loading import embedder_of
from align.embedding.protocol import Embedder
from align.embedding.sentence_transformer import SentenceTransformerEmbedder
from align.encode import STATIC_BATCH_SIZE, Encoder, default_batch_size
from align.errors import AlignError
from align.model_source import check_model_source
from align.outputs import check_output, check_writable_directory


@dataclass
class BenchmarkRun:
    """One task's results over the models, by model label, with the settings that made them."""

    task: Task
    models: list[str]  # as given: names, paths or embedder names
    results: dict[str, TaskResult] = field(default_factory=dict)
    seconds: float = 0.0
    batch_size: int | None = None

    def report(self) -> dict[str, Any]:
        """The JSON report (:mod:`align.bench.report`): header, then one entry per model."""
        settings = {**self.task.metadata.settings, "batch_size": self.batch_size, "models": self.models}
        header = report_header(
            self.task.metadata.name, data=self.task.metadata.data, settings=settings, seconds=self.seconds
        )
        return {**header, "models": [{"model": label, **r.to_json()} for label, r in self.results.items()]}

    def markdown(self) -> str:
        metadata = self.task.metadata
        labels = list(self.results)
        if metadata.side_by_side:
            header = [metadata.row_header] + [f"{label} {c}" for label in labels for c in metadata.columns]
            by_model = {label: dict(result.rows()) for label, result in self.results.items()}
            rows = list(
                dict.fromkeys(row for cells in by_model.values() for row in cells)
            )  # first-seen order
            blank = ["–"] * len(metadata.columns)  # a row one model has and another not
            body = [[row] + [c for label in labels for c in by_model[label].get(row, blank)] for row in rows]
        else:
            header = ["model", metadata.row_header, *metadata.columns]
            body = [
                [label, row, *cells] for label, result in self.results.items() for row, cells in result.rows()
            ]
        lines = [header, *body]
        table = ["| " + " | ".join(line) + " |" for line in lines]
        table.insert(1, "|" + "---|" * len(header))
        notes = [
            f"{label}: {note}"
            for label, result in self.results.items()
            if hasattr(result, "notes")  # an optional member of TaskResult
            for note in result.notes()
        ]
        return "\n".join([*table, "", *notes] if notes else table)

    def write(self, output: str | os.PathLike | None = None, plot: str | os.PathLike | None = None) -> None:
        """Write the JSON report and the task's plot, each atomically, where asked."""
        if output is not None:
            write_json(self.report(), output)
        if plot is not None:
            self.task.plot(self.results, plot)


def model_labels(names: Sequence[str]) -> list[str]:
    """Short column names for models: a hub name as is, a path by its last two parts; the full
    names where two short ones would collide."""
    short = ["/".join(Path(name).parts[-2:]) if Path(name).exists() else name for name in names]
    return short if len(set(short)) == len(short) else list(names)


def check_benchmark_run(
    models: Sequence[str | Encoder | Embedder], *, cache_dir: str | os.PathLike | None, use_cache: bool
) -> None:
    """What can fail before any model loads: the cache directory cannot be written, a model's name
    points nowhere (:func:`align.model_source.check_model_source`)."""
    if use_cache:
        check_writable_directory(cache_dir or default_cache_dir())
    for model in models:
        check_model_source(model)


def run_benchmarks(
    tasks: Sequence[Task],
    models: Sequence[str | Encoder | Embedder],
    *,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
    batch_size: int | None = None,
) -> list[BenchmarkRun]:
    """Score every model on every task; one :class:`BenchmarkRun` per task, in the tasks' order.

    ``models`` are names or paths (loaded here, one at a time), loaded encoders or embedders
    (:class:`align.embedding.Embedder`). With ``use_cache`` finished items are kept under ``cache_dir``
    (default ``~/.cache/align/bench``), so an interrupted run resumes. The cache and the models'
    names are checked before any model loads (:func:`check_benchmark_run`).
    """
    check_benchmark_run(models, cache_dir=cache_dir, use_cache=use_cache)
    names = [
        model if isinstance(model, str) else getattr(model, "name", f"model {i + 1}")
        for i, model in enumerate(models)
    ]
    runs = [BenchmarkRun(task, list(names), batch_size=batch_size) for task in tasks]
    for number, (label, name, model) in enumerate(zip(model_labels(names), names, models, strict=True), 1):
        if len(models) > 1:  # which model the bars below (loading, encoding, each task's) are for
            print(f"Model {number}/{len(models)}: {label}", file=sys.stderr, flush=True)
        started = time.perf_counter()
        embed = bench_embedder(model, name, batch_size)
        cache = ResultCache(cache_dir or default_cache_dir(), embed) if use_cache else None
        loaded = time.perf_counter() - started
        for run in runs:
            started = time.perf_counter()
            run.results[label] = run.task.evaluate(embed, cache)
            run.seconds += time.perf_counter() - started + loaded / len(runs)
    return runs


# Texts from which a benchmark's encoding shows a progress bar: a small transformer encodes 200-350
# sentences a second on two CPU cores, so 1,000 take a few seconds; a static encoder ~40,000 a second.
PROGRESS_FROM = 1_000
STATIC_PROGRESS_FROM = 100_000


def bench_embedder(model: str | Encoder | Embedder, name: str, batch_size: int | None = None) -> Embedder:
    """``model`` as the embedder a benchmark scores: a name loads as any command loads it
    (:func:`align.embedding.load_embedder`); a sentence-transformers model, by name or loaded, encodes
    ``batch_size`` texts at a time and shows a bar over large calls."""
    embedder = embedder_of(model, name)
    if isinstance(embedder, SentenceTransformerEmbedder):
        default = default_batch_size(embedder.model)
        embedder.batch_size = batch_size or default
        embedder.progress_from = STATIC_PROGRESS_FROM if default >= STATIC_BATCH_SIZE else PROGRESS_FROM
    return embedder


def run_benchmark(make_task: Callable[[], Task], settings: BenchSettings) -> BenchmarkRun:
    """One ``align bench`` command: the report and figure paths, the cache and the models' names
    checked before anything loads, then the task's data read (``make_task``), every model scored,
    and the report and figure written."""
    for path in (settings.output, settings.plot):
        if path is not None:
            check_output(path, force=settings.force)
    check_benchmark_run(settings.models, cache_dir=settings.cache_dir, use_cache=settings.use_cache)
    task = make_task()
    if settings.plot is not None and not task.has_plot:
        raise AlignError(f"--plot: the {task.metadata.name} benchmark has no figure")
    [run] = run_benchmarks(
        [task],
        settings.models,
        cache_dir=settings.cache_dir,
        use_cache=settings.use_cache,
        batch_size=settings.batch_size,
    )
    run.write(output=settings.output, plot=settings.plot)
    return run
