"""The shape of every benchmark: a task is metadata plus an evaluation (as in mteb), and an
evaluation returns a result that writes itself as JSON and as Markdown rows.

:mod:`align.bench.runner` runs tasks over models and owns what they share: the result cache,
timing, the report header, the Markdown table and plots. A new benchmark is one subclass of
:class:`Task` and its :class:`TaskResult`; docs/benchmarks.md walks through one.
"""

from __future__ import annotations

import hashlib
import json
import os
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from align.bench.cache import ResultCache
from align.embedding.protocol import Embedder
from align.encode import Encoder
from align.errors import AlignError
from align.languages import is_language, language


@dataclass(frozen=True)
class TaskMetadata:
    """What a task is, for reports and tables."""

    name: str  # the report's "task", e.g. "tatoeba"
    description: str
    data: str  # where the data comes from, as the report records it
    languages: tuple[str, ...]
    main_score: str  # what ranks models, e.g. "mean accuracy (%)"
    row_header: str  # the first column of the Markdown table: "language", "pair", ...
    columns: tuple[str, ...]  # the cells each model gives a row
    # True: one row per item, each model's columns side by side (Tatoeba); False: one row per model
    # and item, a "model" column first (BUCC, retrieval).
    side_by_side: bool = False
    settings: Mapping[str, Any] = field(default_factory=dict)  # with the data, they fix the figures


class TaskResult(Protocol):
    """One model's result on one task. Also read where present: ``notes()``, lines printed under
    the table (what a reader must know to trust its figures)."""

    @property
    def main_score(self) -> float: ...

    def to_json(self) -> dict[str, Any]:
        """The model's entry in the report (beside ``"model"``)."""
        ...

    def rows(self) -> list[tuple[str, list[str]]]:
        """Markdown rows: (row label, one formatted cell per metadata column)."""
        ...


class Task(ABC):
    """A benchmark. Subclasses set ``metadata`` and implement :meth:`evaluate`.

    A task reads and checks its data when it is made, so a bad path fails before any model loads.
    """

    metadata: TaskMetadata

    @abstractmethod
    def evaluate(self, embed: Embedder, cache: ResultCache | None = None) -> TaskResult:
        """Score one embedder; ``cache`` (if given) keeps per-item results under :attr:`cache_key`."""

    def plot(self, results: Mapping[str, TaskResult], path: str | os.PathLike) -> None:
        """Write a figure of ``results`` (by model label) as PNG; tasks without one refuse."""
        raise AlignError(f"the {self.metadata.name} benchmark has no plot")

    @property
    def has_plot(self) -> bool:
        return type(self).plot is not Task.plot

    @property
    def cache_key(self) -> str:
        """The cache namespace: the task's name, its data and its settings."""
        identity = json.dumps([self.metadata.data, dict(self.metadata.settings)], sort_keys=True, default=str)
        return f"{self.metadata.name}-{hashlib.sha1(identity.encode()).hexdigest()[:8]}"

    def __call__(self, model: Encoder | Embedder) -> dict[str, Any]:
        """sentence-transformers' evaluator shape: the result as a dict, with its main score."""
        from align.bench.runner import bench_embedder

        result = self.evaluate(bench_embedder(model, getattr(model, "name", "model")))
        return {**result.to_json(), "main_score": result.main_score}


def languages_option(spec: str, available: Sequence[str], where: str, what: str = "data") -> list[str]:
    """``"all"`` or a comma-separated list, each matched against ``available`` (found in ``where``):
    as written, else through the language table, so ``zh`` finds Tatoeba's ``cmn`` and
    ``deu_Latn`` its ``deu``."""
    if spec.strip() == "all":
        return list(available)
    languages: list[str] = []
    missing = []
    for code in (code.strip() for code in spec.split(",") if code.strip()):
        matches = [code] if code in available else _same_language(code, available)
        languages += [match for match in matches if match not in languages]
        if not matches:
            missing.append(code)
    if missing:
        raise AlignError(
            f"{where} has no {what} for {', '.join(missing)} "
            f"({len(available)} languages available, e.g. {', '.join(list(available)[:5])})"
        )
    return languages


def _same_language(code: str, available: Sequence[str]) -> list[str]:
    if not is_language(code):
        return []
    wanted = language(code)
    return [name for name in available if is_language(name) and wanted.covers(language(name))]
