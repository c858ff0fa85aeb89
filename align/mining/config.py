"""The settings of a mining run, in one place: what ``align mine``, :func:`align.mining.mine`,
:func:`align.mining.mine_files` and the BUCC benchmark all take.

This module imports nothing heavy, so the command line builds its options from it before NumPy or
FAISS load.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from align.errors import AlignError
from align.index.settings import DEFAULT_NPROBE, check_factory
from align.settings import setting

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
    factory: str | None = setting(
        None,
        "FAISS index_factory string (default: exact up to 50k; compressed codes, re-ranked, beyond; "
        "an IVF in front past 500k).",
        flags=("--index-factory",),
    )
    nprobe: int = setting(
        DEFAULT_NPROBE, "IVF lists an approximate index scans per query: more is slower and surer.", min=1
    )
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
