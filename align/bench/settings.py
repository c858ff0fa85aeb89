"""How a benchmark run is made: which models, where its report and figure go, the result cache.

Light (no torch), so ``align bench`` builds its options from it before anything loads; the runner
(:mod:`align.bench.runner`) takes the same values.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from align.settings import setting


def _models(names: list[str]) -> tuple[str, ...]:
    return tuple(names)


@dataclass(frozen=True)
class BenchSettings:
    models: tuple[str, ...] = setting(
        help="A model to score (a path or name); repeat for several, side by side.",
        flags=("--model",),
        cli_type=list[str],
        parse=_models,
    )
    output: Path | None = setting(None, "Write the JSON report here.", flags=("--output", "-o"))
    plot: Path | None = setting(None, "Write the benchmark's figure here (PNG; the command says which).")
    cache_dir: Path | None = setting(
        None,
        "Where per-item results (a language, a document) are kept, so an interrupted run resumes "
        "(default: ~/.cache/align/bench).",
    )
    use_cache: bool = setting(True, "Reuse the results kept in the cache.", flags=("--cache/--no-cache",))
    batch_size: int | None = setting(
        None, "Sentences encoded at a time (default: 256; static encoders 4096).", min=1
    )
    force: bool = setting(False, "Replace the report and figure if they exist.", flags=("--force",))
