"""One language table for the whole package: every code a user's files or options may use, read
as one language.

Real folders mix conventions: OPUS and Tatoeba name languages in ISO 639-1 (``zh``), ISO 639-3
(``cmn``, ``zho``), FLORES in 639-3 plus a script (``zho_Hans``). All of them go through
:func:`language`, which reads them with ``langcodes`` (the IANA subtag registry and CLDR's aliases:
``zho`` → ``zh``, ``ger`` → ``de``, ``tgl`` → ``fil``) and prefers the macrolanguage, so that an
individual language and its macrolanguage meet (``cmn``, ``arb``, ``pes``, ``swh``, ``zsm``,
``lvs``, ``ekk``, ``npi`` read as ``zh``, ``ar``, ``fa``, ``sw``, ``ms``, ``lv``, ``et``, ``ne``).
Varieties that are languages of their own stay apart (``yue``, ``wuu``, ``arz``, ``ckb``).

A script that is the language's usual one is dropped (``zho_Hans`` and ``eng_Latn`` read as ``zh``
and ``en``), so the codes that name the same text compare equal. Requests match data by
:meth:`Language.covers`: ``zh`` covers ``zho_Hans`` and ``zho_Hant``; ``zho_Hant`` only the latter.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import langcodes

from align.errors import AlignError

ENGLISH = "en"
# Codes langcodes reads as a language but that name none: "und" (undetermined), "mul" (multiple),
# "zxx" (no linguistic content), and the private-use range.
_NOT_LANGUAGES = re.compile(r"und|mul|zxx|mis|q[a-t][a-z]")


@dataclass(frozen=True)
class Language:
    """A language as align compares it: BCP 47 subtags, the macrolanguage preferred."""

    language: str  # "zh", "fa", "yue"
    script: str | None = None  # ISO 15924, only if the code gave one that is not the usual ("Hant")
    region: str | None = None  # only if the code gave one (Dari, "prs", is "fa" in "AF")

    @property
    def tag(self) -> str:
        """The canonical code: ``zh``, ``zh-Hant``, ``fa-AF``."""
        return "-".join(part for part in (self.language, self.script, self.region) if part)

    @property
    def name(self) -> str:
        return _langcodes(self.tag).display_name()

    @property
    def likely_script(self) -> str:
        """The script the language is most often written in (CLDR's likely subtags), e.g. ``Hans``."""
        return self.script or _langcodes(self.tag).maximize().script or "Zyyy"

    def covers(self, other: Language) -> bool:
        """Whether a request for this language takes data in ``other``: the same language, and the
        same script and region wherever this one names them."""
        return (
            self.language == other.language
            and self.script in (None, other.script)
            and self.region in (None, other.region)
        )

    def __str__(self) -> str:
        return self.tag


@functools.lru_cache(maxsize=4096)
def language(code: str) -> Language:
    """The language a code names, in any of the forms above; an unknown code is an :class:`AlignError`."""
    tag = code.strip().replace("_", "-")
    try:
        parsed = _langcodes(tag).prefer_macrolanguage()
    except (ValueError, LookupError):
        raise AlignError(f"unknown language code {code!r}") from None
    if not parsed.language or _NOT_LANGUAGES.fullmatch(parsed.language) or not parsed.is_valid():
        raise AlignError(f"unknown language code {code!r}")
    usual = _langcodes(parsed.language).maximize().script
    return Language(parsed.language, None if parsed.script == usual else parsed.script, parsed.territory)


def is_language(code: str) -> bool:
    try:
        language(code)
    except AlignError:
        return False
    return True


def same_language(first: str, second: str) -> bool:
    """Whether two codes name the same language (``cmn`` and ``zho_Hans``: yes; ``zh`` and ``yue``: no)."""
    return language(first).language == language(second).language


def _langcodes(tag: str) -> langcodes.Language:
    return langcodes.Language.get(tag)
