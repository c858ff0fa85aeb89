"""The settings of ``align sentalign``, declared once, light to import."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from align.errors import AlignError
from align.model_source import MODEL_HELP
from align.settings import batch_size_setting, force_setting, setting


@dataclass(frozen=True)
class LinkCosts:
    """What a link and a deletion cost beyond the cosine term (see the module's docstring):
    ``(a * b) ** size_exponent`` scales the cosine term, ``link_penalty`` is added per sentence
    beyond a 1-1 link, and ``length_weight`` times the absolute log ratio of the two sides'
    character lengths (the target's scaled by the documents' overall ratio, as Gale & Church do)."""

    deletion: float
    size_exponent: float = 1.0
    link_penalty: float = 0.0
    length_weight: float = 0.0


@dataclass(frozen=True)
class SentalignConfig:
    """Which links an alignment may use and what they cost."""

    max_concat: int = setting(
        4, "Longest run of sentences one side of a link may join (Vecalign's overlaps).", min=1
    )
    max_link: int = setting(
        6, "Most sentences a link may hold, both sides together (2: 1-1 links only).", min=2
    )
    # These four were tuned on the Text+Berg dev document, the only one here (docs/alignment.md).
    deletion: float = setting(
        0.7,
        "Cost of leaving a sentence unaligned, in units where an unrelated pair costs about 1: "
        "lower leaves more sentences out.",
        min=0,
    )
    size_exponent: float = setting(
        0.5, "A link of a and b sentences has its cosine term scaled by (a*b)^this (Vecalign: 1).", min=0
    )
    link_penalty: float = setting(0.3, "Added for each sentence a link holds beyond one a side.", min=0)
    length_weight: float = setting(
        0.8,
        "Weight of the sides' character-length mismatch (|log ratio|, Gale-Church's signal); 0: off.",
        min=0,
    )
    samples: int = setting(32, "Random sentences each run's cosines are normalised against.", min=1)
    width: int = setting(
        10,
        "Long documents: sentences either side of the coarse alignment the fine one searches.",
        min=1,
    )

    @property
    def costs(self) -> LinkCosts:
        return LinkCosts(self.deletion, self.size_exponent, self.link_penalty, self.length_weight)

    def __post_init__(self) -> None:
        if self.max_concat < 1 or self.max_link < 2:
            raise AlignError("--max-concat must be at least 1 and --max-link at least 2")


@dataclass(frozen=True)
class SplitConfig:
    """Whether documents are split into sentences first, and in which languages (the splitter's
    rules depend on the language; :mod:`align.splitting`)."""

    split: bool = setting(
        False,
        "Split each document's text into sentences first (pip install 'align[split]'); without it, "
        "each line is a sentence.",
        flags=("--split",),
    )
    src_lang: str | None = setting(
        None, "Source language for --split (zh, deu, fra_Latn, ...; default: the file's suffix, book.de)."
    )
    tgt_lang: str | None = setting(None, "Target language for --split (default: the file's suffix).")


@dataclass(frozen=True)
class SentalignFiles:
    """What ``align sentalign`` reads and writes, and the model it embeds with: the keyword
    arguments of :func:`align.sentalign.documents.align_paths` besides its configs."""

    source: Path = setting(
        help="Source document, one sentence a line; or a directory of them.", flags=("--src",), exists="path"
    )
    target: Path = setting(
        help="Its translation, one sentence a line; or a directory (same file names).",
        flags=("--tgt",),
        exists="path",
    )
    output: Path = setting(
        help="Alignment to write (a directory, for directories).", flags=("--output", "-o")
    )
    model: str = setting(help=MODEL_HELP)
    format: str = setting(
        "vecalign", "vecalign: [i, j]:[k]:score a line; tsv: score, source text, target text."
    )
    batch_size: int | None = batch_size_setting()
    force: bool = force_setting()
