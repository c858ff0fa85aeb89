"""What every benchmark script repeats: where the data is, its basic options, reading corpus
files, shelling out to ``align`` when a figure is the command's own wall time, and writing the
JSON report."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from align.bench.report import report_header, write_json

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"  # ../shared/data beside the repository
RESULTS = Path(__file__).resolve().parent / "results"


def script_arguments(
    doc: str | None, *, report: str | None = None, data: Path = DATA
) -> argparse.ArgumentParser:
    """A parser with ``--data`` and, for a script that writes one ``report``, ``--output``
    (default: benchmarks/results/REPORT.json)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=data)
    if report is not None:
        parser.add_argument("--output", type=Path, default=RESULTS / f"{report}.json")
    return parser


class Report:
    """A script's JSON report: the header every bench report starts with, then the script's figures.

    The clock starts when the report is made, so ``seconds`` in the header is the run's time."""

    def __init__(self, task: str, data: Path, path: Path) -> None:
        self.task = task
        self.data = data
        self.path = path
        self.started = time.perf_counter()

    def write(self, settings: dict[str, Any], **figures: Any) -> None:
        seconds = time.perf_counter() - self.started
        header = report_header(self.task, data=str(self.data), settings=settings, seconds=seconds)
        write_json({**header, **figures}, self.path)
        print(f"wrote {self.path}")


def read_lines(path: Path) -> list[str]:
    """Every line, blank ones included: row i of a line-aligned corpus file is line i."""
    return path.read_text(encoding="utf-8").splitlines()


def read_sentences(path: Path) -> list[str]:
    """The non-blank lines: sentences to draw from, where alignment with another file does not matter."""
    return [line for line in read_lines(path) if line.strip()]


def write_lines(path: Path, lines: list[str]) -> None:
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


class CommandRun(NamedTuple):
    """A finished ``align`` command: its wall time, and what it printed if that was captured."""

    seconds: float
    stdout: str


def align_command(*arguments: str | Path) -> list[str]:
    """The ``align`` command line with ``arguments``, run by this interpreter: the one place a
    benchmark builds it."""
    return [sys.executable, "-m", "align.cli", *map(str, arguments)]


def run_align(*arguments: str | Path, show_output: bool = True) -> CommandRun:
    """Run the ``align`` command in a child process, as a user does, and time it.

    Only for figures that are the command's own cost (start-up, loading, encoding, writing);
    everything else calls the package. A failure ends the script with the command's error.
    """
    command = align_command(*arguments)
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=not show_output, text=True)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        error = (completed.stderr or "")[-4000:]
        sys.exit(f"align {arguments[0]} failed (exit {completed.returncode}):\n{error}")
    return CommandRun(seconds, completed.stdout or "")


class MeasuredRun(NamedTuple):
    """A finished ``align`` command run in a child process: wall time, the child's own peak resident
    memory (from ``wait4``, so not the benchmark's), and what it printed."""

    seconds: float
    peak_rss_gb: float
    stdout: str


def run_align_measured(*arguments: str | Path) -> MeasuredRun:
    """:func:`run_align`, with the child's peak memory; a failure ends the script with its output."""
    command = align_command(*arguments)
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    printed = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        sys.exit(f"align {arguments[0]} failed (status {status}):\n{printed[-4000:]}")
    return MeasuredRun(seconds, usage.ru_maxrss / 1024**2, printed)


def exact_top_k(
    base: np.ndarray, queries: np.ndarray, k: int, block: int = 20_000
) -> tuple[np.ndarray, np.ndarray]:
    """(cosines, rows) of each query's exact ``k`` nearest rows of ``base``, best first, a block of the
    base at a time (a block's scores are queries × block floats: 0.4 GB for 5,000 queries)."""
    best_scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    best_ids = np.zeros((len(queries), k), dtype=np.int64)
    for start in range(0, len(base), block):
        scores = queries @ np.asarray(base[start : start + block]).T
        kept = min(k, scores.shape[1])  # a last block may hold fewer rows than k
        top = np.argpartition(scores, -kept, axis=1)[:, -kept:]
        merged_scores = np.concatenate([best_scores, np.take_along_axis(scores, top, axis=1)], axis=1)
        merged_ids = np.concatenate([best_ids, top + start], axis=1)
        keep = np.argsort(-merged_scores, axis=1)[:, :k]
        best_scores = np.take_along_axis(merged_scores, keep, axis=1)
        best_ids = np.take_along_axis(merged_ids, keep, axis=1)
    return best_scores, best_ids
