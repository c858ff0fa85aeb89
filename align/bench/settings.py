"""How a benchmark run is made: which models, where its report and figure go, the result cache.

Light (no torch), so ``align bench`` builds its options from it before anything loads; the runner
(:mod:`align.bench.runner`) takes the same values.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from align.settings import batch_size_setting, force_setting, setting


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
    batch_size: int | None = batch_size_setting()
    force: bool = setting(False, "Replace the report and figure if they exist.", flags=("--force",))


@dataclass(frozen=True)
class BuccSplitFiles:
    """What ``align bench build-bucc`` reads and writes: the arguments of
    :func:`align.bench.bucc.build_bucc_split` besides the reading options."""

    parallel: str = setting(help="Parallel corpus to hide (any format align train reads).")
    unpaired_source: Path = setting(
        help="Source-language sentences with no translation on the other side.",
        flags=("--unpaired-src",),
        exists="file",
    )
    unpaired_target: Path = setting(
        help="Target-language sentences with no translation on the other side.",
        flags=("--unpaired-tgt",),
        exists="file",
    )
    pair: str = setting(help="Language pair, e.g. en-zh (source first).")
    directory: Path = setting(help="Directory to write the split into.", flags=("--output", "-o"))
    split: str = setting("training", "Split name, e.g. training or test.")
    seed: int = setting(0, "Shuffling seed.")
    force: bool = force_setting()
