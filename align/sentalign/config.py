"""The settings of ``align sentalign``, declared once, light to import."""

from __future__ import annotations

from dataclasses import dataclass

from align.errors import AlignError
from align.settings import setting


@dataclass(frozen=True)
class SentalignConfig:
    """Which links an alignment may use and what they cost."""

    max_concat: int = setting(
        4, "Longest run of sentences one side of a link may join (Vecalign's overlaps).", min=1
    )
    max_link: int = setting(
        6, "Most sentences a link may hold, both sides together (2: 1-1 links only).", min=2
    )
    # Tuned on the Text+Berg dev document (docs/alignment.md): 0.5-0.9 are within a point of each other.
    deletion: float = setting(
        0.7,
        "Cost of leaving a sentence unaligned, in units where an unrelated pair costs about 1: "
        "lower leaves more sentences out.",
        min=0,
    )
    samples: int = setting(32, "Random sentences each run's cosines are normalised against.", min=1)
    width: int = setting(
        10,
        "Long documents: sentences either side of the coarse alignment the fine one searches.",
        min=1,
    )

    def __post_init__(self) -> None:
        if self.max_concat < 1 or self.max_link < 2:
            raise AlignError("--max-concat must be at least 1 and --max-link at least 2")
