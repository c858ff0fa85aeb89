"""Which languages the two sides of a bitext should be in, and which identifier checks them.

Shared by ``align filter`` (a stage of its own) and ``align mine`` (mined pairs checked before they
are written); light to import, so the command line builds its options from it at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from align.lid.identifiers import DEFAULT_IDENTIFIER
from align.settings import setting

NO_LID = "none"


@dataclass(frozen=True)
class LidConfig:
    """The expected language of each side (None: not checked) and how to identify it."""

    src_lang: str | None = setting(
        None,
        "Language of the source side, in any form (en, eng, eng_Latn): pairs whose source is identified "
        "as another language are dropped. Default: not checked, unless the input's file names say it "
        "(a bitext NAME.en-zh.en, or --src x.en, where the command reads a bitext).",
    )
    tgt_lang: str | None = setting(None, "Language of the target side, checked the same way.")
    lid: str = setting(
        DEFAULT_IDENTIFIER,
        "Language identifier for both sides: fasttext (lid.176; pip install 'align[lid]'), langid, "
        "heliport (GPL-3.0; pip install 'align[heliport]'), a fastText model's path, or none.",
    )
    script_rules: bool = setting(
        True,
        "Let the script decide short CJK lines before the identifier does (a Han line without kana "
        "is Chinese).",
        flags=("--script-rules/--no-script-rules",),
    )

    def __post_init__(self) -> None:
        from align.languages import language

        for code in (self.src_lang, self.tgt_lang):
            if code is not None:
                language(code)  # an unknown code fails here, before any file or model is read

    @property
    def identifies(self) -> bool:
        return self.lid != NO_LID
