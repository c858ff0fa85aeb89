"""The settings of a mining run, in one place: what ``align mine``, :func:`align.mining.mine`,
:func:`align.mining.mine_files` and the BUCC benchmark all take.

This module imports nothing heavy, so the command line builds its options from it before NumPy or
FAISS load.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from align.errors import AlignError
from align.index.settings import DEFAULT_NPROBE, FACTORY_HELP, NPROBE_HELP, check_factory
from align.model_source import MODEL_HELP
from align.settings import force_setting, setting

MarginKind = Literal["ratio", "distance", "absolute"]
CandidateMode = Literal["max", "intersect", "forward", "backward"]
MARGINS: tuple[str, ...] = get_args(MarginKind)
MODES: tuple[str, ...] = get_args(CandidateMode)


@dataclass(frozen=True)
class MiningConfig:
    """How candidates are found, scored and kept. The defaults are LASER's (k = 4, ratio, max)."""

    k: int = setting(4, "Neighbours per sentence for the margin.", flags=("--neighbours", "-k"), min=1)
    margin: MarginKind = setting("ratio", "ratio (LASER), distance, or absolute (plain cosine).")
    mode: CandidateMode = setting(
        "max",
        "max: best pairs both ways, each sentence once (LASER); intersect: mutual best; forward; backward.",
    )
    factory: str | None = setting(None, FACTORY_HELP, flags=("--index-factory",))
    nprobe: int = setting(DEFAULT_NPROBE, NPROBE_HELP, min=1)
    reverse_neighbours: bool = setting(
        True,
        "Count as a sentence's neighbours the sentences whose search found it: recovers what an "
        "approximate index misses (no change with exact search).",
        flags=("--reverse-neighbours/--no-reverse-neighbours",),
    )
    threshold: float | None = setting(
        None, "Keep pairs scoring at least this (default: all, or calibrated with --gold)."
    )

    def __post_init__(self) -> None:
        if self.k < 1:
            raise AlignError(f"k must be at least 1, got {self.k}")
        if self.nprobe < 1:
            raise AlignError(f"nprobe must be at least 1, got {self.nprobe}")
        if self.margin not in MARGINS:
            raise AlignError(f"unknown margin {self.margin!r}; choose one of {', '.join(MARGINS)}")
        if self.mode not in MODES:
            raise AlignError(f"unknown candidate mode {self.mode!r}; choose one of {', '.join(MODES)}")
        if self.factory is not None:
            check_factory(self.factory)  # imports FAISS, only when a factory is given


@dataclass(frozen=True)
class MineFiles:
    """What ``align mine`` reads and writes, and the model it embeds with: the keyword arguments of
    :func:`mine_text_files` besides its configs."""

    source: Path = setting(help="Source-language sentences, one a line.", flags=("--src",), exists="file")
    target: Path = setting(help="Target-language sentences, one a line.", flags=("--tgt",), exists="file")
    output: Path = setting(help="TSV to write: score, source, target.", flags=("--output", "-o"))
    model: str | None = setting(None, MODEL_HELP)
    source_embeddings: Path | None = setting(
        None,
        "Embeddings of --src made by align embed (skips encoding).",
        flags=("--src-embeddings",),
        exists="file",
    )
    target_embeddings: Path | None = setting(
        None, "Embeddings of --tgt made by align embed.", flags=("--tgt-embeddings",), exists="file"
    )
    gold: Path | None = setting(
        None,
        "Every true pair in the two files (SRC_LINE<TAB>TGT_LINE, 1-based), for a dev pool: find and "
        "use the threshold with the best F1, then pass it as --threshold on your real data.",
        exists="file",
    )
    unify: bool = setting(
        False, "Encode repeated lines once; each sentence is mined once.", flags=("--unify",)
    )
    line_numbers: bool = setting(
        False, "Append the source and target line numbers.", flags=("--line-numbers",)
    )
    force: bool = force_setting()
