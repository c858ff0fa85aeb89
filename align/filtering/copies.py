"""Copies and untranslated pairs: a target that repeats its source instead of translating it.

Exact copies are the cleaning rules' (``identical sides``); what is left here is what they miss: a
copy that differs in case, spacing or punctuation, and a target that is mostly the source's own
words (an English sentence left on the Chinese side with a word or two changed). A pair of real
translations shares names and numbers, rarely most of its words.

Words are counted as :func:`align.data.cleaning.word_length` counts them: whitespace tokens, and
each character of a script written without spaces, so a Chinese target is many words.
"""

from __future__ import annotations

import re
import unicodedata

from align.data.cleaning import UNSPACED_CHAR

_NOT_WORD = re.compile(r"[^\w]+")


def words(text: str) -> list[str]:
    """The case-folded words of ``text``, punctuation dropped (NFKC, so full-width forms match)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    unspaced = UNSPACED_CHAR.findall(text)
    spaced = [_NOT_WORD.sub("", token) for token in UNSPACED_CHAR.sub(" ", text).split()]
    return unspaced + [token for token in spaced if token]


def copy_reason(source: str, target: str, max_copied: float) -> str | None:
    """``"copy"`` when the two sides have the same words in the same order, ``"untranslated"`` when
    at least ``max_copied`` of the target's words appear in the source; otherwise None."""
    source_words, target_words = words(source), words(target)
    if not target_words:
        return None
    if source_words == target_words:
        return "copy"
    vocabulary = set(source_words)
    copied = sum(word in vocabulary for word in target_words) / len(target_words)
    return "untranslated" if copied >= max_copied else None
