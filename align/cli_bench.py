"""``align bench``: one command a benchmark of :data:`align.bench.registry.BENCHMARKS` (its options
made from its dataclass, like every other command's), and ``align bench build-bucc``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

from align.bench.registry import BENCHMARKS, Benchmark
from align.bench.settings import BenchSettings, BuccSplitFiles
from align.cli_options import config_options
from align.data.options import ReadConfig
from align.settings import values

bench_app = typer.Typer(
    help="Benchmarks that a paper could cite: JSON with every setting, and a Markdown table.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _bench_command(benchmark: Benchmark) -> Callable[..., None]:
    """``align bench NAME``: the benchmark's options and the run settings, then
    :func:`align.bench.runner.run_benchmark` and the table."""

    def command(options: Any, settings: BenchSettings) -> None:
        from align.bench.runner import run_benchmark

        run = run_benchmark(lambda: benchmark.task(options), settings)
        typer.echo(run.markdown())
        if settings.output is not None:
            typer.echo(f"\nWrote {settings.output}")

    options = config_options(options=benchmark.options, settings=BenchSettings, exclude=benchmark.exclude)
    return options(command)


for _name, _benchmark in BENCHMARKS.items():
    bench_app.command(_name, help=_benchmark.help)(_bench_command(_benchmark))


@bench_app.command("build-bucc")
@config_options(exclude={"max_chars"})
def bench_build_bucc(files: BuccSplitFiles, reading: ReadConfig) -> None:
    """Build a BUCC-style mining task from a parallel corpus plus unpaired sentences on each side.

    \b
    Example: align bench build-bucc --parallel dev.tsv --unpaired-src news.en --unpaired-tgt news.zh
    --pair en-zh --output pool/ --split training
    """
    from align.bench.bucc import build_bucc_split

    gold = build_bucc_split(**values(files), skip_bad_lines=reading.skip_bad_lines)
    typer.echo(f"Wrote {files.directory}/{files.pair}.{files.split}.* ({gold:,} gold pairs)")
