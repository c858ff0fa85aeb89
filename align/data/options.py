"""How a command reads its text: settings that every reading command shares, declared once.

:class:`ReadConfig` says what happens to lines that cannot be read as they are (not UTF-8, or far
too long); :class:`CorpusFormat` says how to read a bitext file's two sides. Training declares the
same two format settings for its corpora, with these help texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from align.errors import AlignError
from align.files import MAX_CHARS_HELP, MAX_LINE_CHARS
from align.settings import setting

SKIP_BAD_LINES_HELP = "Skip (and count) lines that are not UTF-8 or hold NUL bytes, instead of stopping."
FORMAT_HELP = "moses, tmx, tsv, csv, jsonl or hf (default: from the file name)."
COLUMNS_HELP = (
    "Source,target columns (TSV/CSV: indices or header names) or keys (JSONL/hf, dotted paths allowed)."
)


def parse_columns(text: str | None) -> tuple[str, str] | None:
    """``"0,1"`` or ``"en,zh"`` → the pair of columns (or keys); None stays None."""
    if text is None:
        return None
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != 2 or not all(parts):
        raise AlignError(
            f"--columns {text!r}: give two columns or keys separated by a comma, e.g. 0,1 or en,zh"
        )
    return parts[0], parts[1]


@dataclass(frozen=True)
class ReadConfig:
    """What happens to a line that is not UTF-8, or longer than ``max_chars``."""

    skip_bad_lines: bool = setting(False, SKIP_BAD_LINES_HELP, flags=("--skip-bad-lines",))
    max_chars: int = setting(MAX_LINE_CHARS, MAX_CHARS_HELP, min=1)

    def kwargs(self) -> dict[str, Any]:
        """As the keyword arguments the API's reading functions take."""
        return {"skip_bad_lines": self.skip_bad_lines, "max_chars": self.max_chars}


@dataclass(frozen=True)
class CorpusFormat:
    """How to read a bitext file: its format and, for tables and records, which columns or keys."""

    format: str | None = setting(None, FORMAT_HELP)
    columns: tuple[str, str] | None = setting(None, COLUMNS_HELP, cli_type=str | None, parse=parse_columns)
