"""Is each side of a pair in the language it should be? (``align filter``'s language stage, and the
check ``align mine --src-lang/--tgt-lang`` runs on mined pairs.)

Both sides are identified in batches; the script rules decide the short CJK lines first, so a
Chinese line of three characters is not turned away as Japanese.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from align.languages import language
from align.lid.config import LidConfig
from align.lid.identifiers import Identification, LanguageIdentifier, load_identifier
from align.lid.scripts import expected_language_mask


class PairLanguageCheck:
    """Checks pairs against their expected languages (None: that side is not checked) with one
    identifier; counts what it turned away in :attr:`dropped`."""

    def __init__(
        self,
        source_lang: str | None,
        target_lang: str | None,
        identifier: str | LanguageIdentifier,
        *,
        script_rules: bool = True,
    ) -> None:
        self.languages = tuple(language(code).tag if code else None for code in (source_lang, target_lang))
        self.identifier = load_identifier(identifier) if isinstance(identifier, str) else identifier
        self.script_rules = script_rules
        self.dropped: Counter[str] = Counter()

    @classmethod
    def from_config(cls, config: LidConfig) -> PairLanguageCheck | None:
        """The check ``config`` asks for, or None when it names no language or no identifier."""
        if not config.identifies or not (config.src_lang or config.tgt_lang):
            return None
        return cls(config.src_lang, config.tgt_lang, config.lid, script_rules=config.script_rules)

    def summary(self) -> str:
        """``fasttext dropped 12 pairs in the wrong language (target language 9, source language 3)``."""
        detail = ", ".join(f"{reason} {count:,}" for reason, count in self.dropped.most_common())
        dropped = f"{self.identifier.name} dropped {sum(self.dropped.values()):,} pairs in the wrong language"
        return dropped + (f" ({detail})" if detail else "")

    def identify(self, texts: Sequence[str]) -> list[Identification]:
        return self.identifier.identify(texts)

    def reasons(self, sources: Sequence[str], targets: Sequence[str]) -> list[str | None]:
        """For each pair, why it fails (``"source language: de"``), or None when both sides pass."""
        found = [None] * len(sources)
        for side, texts, expected in zip(
            ("source", "target"), (sources, targets), self.languages, strict=True
        ):
            if expected is None:
                continue
            identified = self.identify(texts)
            keep = expected_language_mask(
                texts, [i.language for i in identified], expected, rules=self.script_rules
            )
            for row in (~keep).nonzero()[0]:
                if found[row] is None:
                    found[row] = f"{side} language: {identified[row].language or 'undetermined'}"
                    self.dropped[f"{side} language"] += 1
        return found
