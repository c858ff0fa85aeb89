"""Language identification: which language a line of text is in, and whether it is the one expected.

:mod:`~align.lid.identifiers` wraps the installed models behind one interface (heliport, fastText
models, py3langid); :mod:`~align.lid.scripts` decides what the script alone can decide, for the
short CJK lines that statistical models confuse. Codes come out through the package's one language
table (:mod:`align.languages`), so ``cmn``, ``zho_Hans`` and ``zh`` are the same answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from align.lazy import lazy_exports

if TYPE_CHECKING:
    from align.lid.config import NO_LID, LidConfig
    from align.lid.identifiers import (
        DEFAULT_IDENTIFIER,
        IDENTIFIERS,
        Identification,
        LanguageIdentifier,
        load_identifier,
    )
    from align.lid.pairs import PairLanguageCheck
    from align.lid.scripts import expected_language_mask, script_decision

__getattr__, __all__ = lazy_exports(__name__, __file__)
