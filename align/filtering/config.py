"""The settings of ``align filter`` and ``align score``, declared once, light to import.

How neighbours are found and margins computed (``k``, the margin kind, the index) is the mining
config's (:class:`align.mining.config.MiningConfig`): a filter scores a pair against its corpus
exactly as mining scores a candidate against its collections.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from align.data.cleaning import CleaningConfig
from align.data.options import CorpusFormat
from align.errors import AlignError
from align.lid.config import LidConfig
from align.mining.config import MarginKind
from align.model_source import MODEL_HELP
from align.settings import batch_size_setting, force_setting, setting

if TYPE_CHECKING:
    from align.data.readers import CorpusSource

# The default thresholds say the same thing for every encoder: a pair is kept when its two sides are
# at least as similar to each other as each is, on average, to its k nearest sentences in the corpus.
# A translation is usually its source's nearest neighbour, so its ratio margin is above 1; a pair of
# unrelated sentences sits far below the neighbours each has among thousands of candidates.
# Plain cosine has no such fixed point: its scale differs from model to model.
DEFAULT_THRESHOLDS: dict[str, float] = {"ratio": 1.0, "distance": 0.0}


def default_threshold(margin: MarginKind) -> float:
    """The encoder-score threshold used when neither ``threshold`` nor ``keep_top`` is given."""
    if margin not in DEFAULT_THRESHOLDS:
        raise AlignError(
            f"the {margin} margin has no default threshold (a cosine's scale depends on the model): "
            "pass --threshold or --keep-top"
        )
    return DEFAULT_THRESHOLDS[margin]


def _fraction(value: float | None) -> float | None:
    if value is not None and not 0 < value <= 1:
        raise AlignError(f"--keep-top {value}: give a fraction of the pairs, above 0 and at most 1")
    return value


@dataclass(frozen=True)
class FilterConfig:
    """Which stages a filter runs and how strict each one is."""

    languages: LidConfig = field(default_factory=LidConfig)
    cleaning: CleaningConfig = field(default_factory=CleaningConfig)
    max_copied: float = setting(
        0.8,
        "Drop a pair as untranslated when this share of the target's words also appear in the source "
        "(above 1: drop only copies).",
        min=0,
    )
    score_threshold: float | None = setting(
        None,
        "Keep pairs whose encoder margin is at least this (default: 1.0 for the ratio margin, 0.0 for "
        "distance: each pair at least as close as its sentences' average nearest neighbours).",
        flags=("--threshold",),
    )
    keep_top: float | None = setting(
        None,
        "Instead of a threshold, keep this fraction of the pairs that pass the other stages, best "
        "margins first (e.g. 0.8).",
        parse=_fraction,
    )
    score: bool = setting(
        True,
        "Score each pair with the encoder (needs --model); --no-score runs only the other stages.",
        flags=("--score/--no-score",),
    )

    def __post_init__(self) -> None:
        _fraction(self.keep_top)
        if self.score_threshold is not None and self.keep_top is not None:
            raise AlignError("pass --threshold or --keep-top, not both")
        if self.max_copied < 0:
            raise AlignError(f"--max-copied must be at least 0, got {self.max_copied}")


def _text(path: Path | None) -> str | None:
    return None if path is None else str(path)


@dataclass(frozen=True)
class BitextFiles:
    """The bitext ``align filter`` and ``align score`` read: one file, or its two sides."""

    input: Path | None = setting(
        None,
        "A parallel corpus file: NAME.en-zh.en (its partner beside it), TSV, CSV, JSONL or TMX. "
        "Or give --src and --tgt.",
        argument="BITEXT",
        exists="file",
    )
    src: Path | None = setting(None, "One side of the bitext, line-aligned with the other.", exists="file")
    tgt: Path | None = setting(None, "One side of the bitext, line-aligned with the other.", exists="file")

    def source(self, languages: LidConfig, data_format: CorpusFormat) -> CorpusSource:
        """The corpus to read (its languages from the file names where ``languages`` does not say)."""
        from align.data.registry import bitext_source

        sides = {"src": self.src, "tgt": self.tgt, "source_lang": languages.src_lang}
        sides |= {
            "target_lang": languages.tgt_lang,
            "format": data_format.format,
            "columns": data_format.columns,
        }
        return bitext_source(self.input, **sides)


@dataclass(frozen=True)
class FilterOutputs:
    """Where ``align filter`` writes and what scores: the keyword arguments of ``BitextFilter``."""

    output: str = setting(
        help="TSV of the kept pairs: score, source, target (input order).",
        flags=("--output", "-o"),
        cli_type=Path,
        parse=str,
    )
    model: str | None = setting(None, f"Encoder that scores the pairs. {MODEL_HELP}")
    rejected: str | None = setting(
        None, "Also write the dropped pairs here: reason, source, target.", cli_type=Path | None, parse=_text
    )
    line_numbers: bool = setting(
        False, "Append each pair's line in the input (twice, as mine does).", flags=("--line-numbers",)
    )
    batch_size: int | None = batch_size_setting()
    force: bool = force_setting()


@dataclass(frozen=True)
class ScoreOutputs:
    """Where ``align score`` writes and what scores: the keyword arguments of ``BitextScoring``."""

    output: str = setting(
        help="TSV to write, one row per pair, a header first.",
        flags=("--output", "-o"),
        cli_type=Path,
        parse=str,
    )
    model: str = setting(help=f"Encoder that scores the pairs. {MODEL_HELP}")
    batch_size: int | None = batch_size_setting()
    force: bool = force_setting()


@dataclass(frozen=True)
class NegativesOutputs:
    """Where ``align mine-negatives`` writes, with what, and how many negatives: the keyword
    arguments of ``HardNegativeMining``."""

    output: str = setting(
        help="TSV to write: anchor, positive, negative_1, … (sentence-transformers' n-tuple format), "
        "a header first.",
        flags=("--output", "-o"),
        cli_type=Path,
        parse=str,
    )
    model: str = setting(help=f"Encoder that finds the negatives. {MODEL_HELP}")
    negatives: int = setting(
        3, "Hard negatives a pair: the targets its source is nearest to, by margin.", min=1
    )
    batch_size: int | None = batch_size_setting()
    force: bool = force_setting()
