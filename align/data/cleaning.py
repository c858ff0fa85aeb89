"""Cleaning filters for sentence pairs, each one counted so the user sees what was dropped and why.

Lengths are measured in *words*, where a word is a whitespace-separated token or a single
character of a script written without spaces (Chinese, Japanese, Thai...). Counting characters
would make every English/Chinese pair look unbalanced, since English needs about three times as
many characters as Chinese for the same meaning.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from align.data.readers import SentencePair
from align.settings import setting

# Scripts written without spaces between words: each character counts as one word.
UNSPACED_CHAR = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff]"
)


def word_length(text: str) -> int:
    """Length in words: one per unspaced character, plus whitespace tokens holding a letter or digit."""
    unspaced = len(UNSPACED_CHAR.findall(text))
    spaced = sum(1 for token in UNSPACED_CHAR.sub(" ", text).split() if any(ch.isalnum() for ch in token))
    return unspaced + spaced


@dataclass(frozen=True)
class CleaningConfig:
    """Which filters run. Defaults are conservative: on our en-zh data they drop well under 5 %."""

    min_words: int = 1
    max_words: int = setting(200, "Drop pairs with a side longer than this many words.")
    # Applied to word lengths, +1 smoothed so very short pairs pass.
    max_length_ratio: float = setting(4.0, "Drop pairs whose word lengths differ by more than this factor.")
    # Untranslated copies teach the encoder nothing about alignment.
    drop_identical: bool = setting(
        True, "Drop pairs whose two sides are the same text.", flags=("--drop-identical/--keep-identical",)
    )
    deduplicate: bool = setting(True, "Drop repeated pairs.", flags=("--deduplicate/--keep-duplicates",))


@dataclass
class CleaningStats:
    """How many pairs were read, kept and dropped for each reason."""

    read: int = 0
    kept: int = 0
    dropped: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        parts = [f"read {self.read:,}", f"kept {self.kept:,}"]
        parts += [f"{reason} {count:,}" for reason, count in sorted(self.dropped.items())]
        return ", ".join(parts)


def _rejection(pair: SentencePair, config: CleaningConfig) -> str | None:
    """The name of the first filter this (already stripped) pair fails, or None if it passes."""
    if not pair.source or not pair.target:
        return "empty side"
    if config.drop_identical and pair.source == pair.target:
        return "identical sides"
    source_words, target_words = word_length(pair.source), word_length(pair.target)
    if min(source_words, target_words) < config.min_words:
        return "too short"
    if max(source_words, target_words) > config.max_words:
        return "too long"
    ratio = (max(source_words, target_words) + 1) / (min(source_words, target_words) + 1)
    if ratio > config.max_length_ratio:
        return "length ratio"
    return None


def clean_pair(
    raw: SentencePair, config: CleaningConfig, seen: set[bytes]
) -> tuple[SentencePair, str | None]:
    """``raw`` with its whitespace normalised, and the name of the first filter it fails (None: kept).

    A kept pair's digest goes into ``seen``, so a later copy of it fails as a duplicate.
    """
    pair = SentencePair(" ".join(raw.source.split()), " ".join(raw.target.split()))
    reason = _rejection(pair, config)
    if reason is None and config.deduplicate:
        digest = hashlib.blake2b(f"{pair.source}\t{pair.target}".encode(), digest_size=8).digest()
        if digest in seen:
            reason = "duplicate"
        else:
            seen.add(digest)
    return pair, reason


def clean_pairs(
    pairs: Iterable[SentencePair],
    config: CleaningConfig,
    stats: CleaningStats,
    seen: set[bytes] | None = None,
) -> Iterator[SentencePair]:
    """Strip whitespace, then drop pairs that fail a filter, counting each drop in ``stats``.

    Deduplication keeps an 8-byte digest per distinct pair (about 100 bytes each in a Python set),
    so tens of millions of pairs stay within a few GB; turn it off for larger corpora. Pass the same
    ``seen`` to several calls to deduplicate across them.
    """
    seen = set() if seen is None else seen
    for raw in pairs:
        stats.read += 1
        pair, reason = clean_pair(raw, config, seen)
        if reason is not None:
            stats.dropped[reason] += 1
            continue
        stats.kept += 1
        yield pair
