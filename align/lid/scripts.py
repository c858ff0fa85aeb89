"""What the script of a line settles about its language, before any model is asked.

Statistical identifiers read short CJK lines badly: a Chinese line of a few characters shares every
character with Japanese kanji, and a kanji-only Japanese line looks Chinese. The script settles
most of it: kana appear only in Japanese and Hangul only in Korean, so a line in Han characters
with neither is Chinese when Chinese is expected, and a Japanese line without kana cannot be told
from Chinese and is kept when Japanese is expected (dropping it would lose good pairs).
:func:`script_decision` applies those rules; where they settle nothing it returns ``None`` and
the model decides.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from align.coverage import script_of
from align.languages import Language, language, same_language

KANA = frozenset({"Hiragana", "Katakana"})
HAN_DOMINANT = 0.5  # share of a line's letters in Han characters that makes it a Han-script line


def letter_scripts(text: str) -> Counter[str]:
    """How many letters of each script ``text`` has (digits, punctuation and spaces not counted)."""
    return Counter(script for script in map(script_of, text) if script is not None)


def script_decision(text: str, expected: Language) -> bool | None:
    """Whether ``text`` is in ``expected`` as far as its script settles it; ``None`` where it does not.

    Only Chinese, Japanese and Korean have rules: for them the script says more than a model does
    on short lines, and for every other language the model is asked.
    """
    scripts = letter_scripts(text)
    letters = sum(scripts.values())
    if letters == 0 or expected.language not in ("zh", "ja", "ko"):
        return None
    kana = sum(scripts[name] for name in KANA)
    han_line = scripts["Han"] / letters >= HAN_DOMINANT
    if expected.language == "zh":
        if kana or scripts["Hangul"]:
            return False  # kana are Japanese only, Hangul Korean only
        return True if han_line else None
    if expected.language == "ja":
        if kana:
            return True
        if scripts["Hangul"]:
            return False
        return True if han_line else None  # kanji-only Japanese: not told from Chinese, kept
    if scripts["Hangul"] / letters >= HAN_DOMINANT:
        return True
    return False if kana or han_line else None


def expected_language_mask(
    texts: Sequence[str], predicted: Sequence[str | None], expected: str, *, rules: bool = True
) -> np.ndarray:
    """For each text, whether it is in ``expected``: the script rules first (``rules=True``), then
    the identifier's ``predicted`` language (an align tag, or None when it could not tell)."""
    want = language(expected)
    keep = np.zeros(len(texts), dtype=bool)
    for row, (text, found) in enumerate(zip(texts, predicted, strict=True)):
        decided = script_decision(text, want) if rules else None
        if decided is None:
            decided = found is not None and same_language(found, expected)
        keep[row] = decided
    return keep
