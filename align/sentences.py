"""Sentence files: one sentence a line, blank lines skipped, each sentence's line number kept.

Mining, search indexes and the neighbours command all read their input this way, so that
results can point back to the line each sentence came from. :class:`LineGuard` holds the rules every
command that reads text applies to a line, and counts what they changed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from align.errors import AlignError
from align.files import iter_lines

# Characters a line may hold. Far past any encoder's window (512 tokens is ~2,000 characters of
# English), so no sentence an encoder reads whole is lost; a longer line is a whole file on one line
# (a 4.7 MB one took 106 s and 3.8 GB to align, and was mined as the "translation" of a short line).
MAX_LINE_CHARS = 10_000
MAX_CHARS_HELP = (
    "Longest line read, in characters: a longer one is skipped (mine, neighbours, index, docalign) or "
    "cut to this length (embed and sentalign, whose rows are line numbers), and counted."
)


@dataclass
class LineGuard:
    """The rules every command that reads text applies to a line, and the count of lines each changed.

    - Whitespace runs become one space; a carriage return inside a line (a line break of old Mac
      files, or a stray one) is read as a space, not as a line break, so that line numbers agree
      with ``wc -l`` and with the other side's file.
    - A line longer than ``max_chars`` is skipped (:meth:`sentence`) or cut (:meth:`cut`).
    """

    max_chars: int = MAX_LINE_CHARS
    too_long: int = 0
    carriage_returns: int = 0

    def __post_init__(self) -> None:
        if self.max_chars < 1:
            raise AlignError(f"max_chars must be at least 1, got {self.max_chars}")

    def _normalise(self, text: str) -> str:
        if "\r" in text:
            self.carriage_returns += 1
        return " ".join(text.split())

    def sentence(self, text: str) -> str | None:
        """``text`` normalised, or None when it is longer than ``max_chars`` (counted)."""
        sentence = self._normalise(text)
        if len(sentence) > self.max_chars:
            self.too_long += 1
            return None
        return sentence

    def cut(self, text: str) -> str:
        """``text`` normalised and cut to ``max_chars`` (counted), for readers that keep every line."""
        sentence = self._normalise(text)
        if len(sentence) > self.max_chars:
            self.too_long += 1
            return sentence[: self.max_chars]
        return sentence

    def warnings(self, path: str | os.PathLike, *, cut: bool = False) -> list[str]:
        """What the rules changed in ``path``, one line each (empty when nothing was changed)."""
        found = []
        lines = {
            count: f"{count:,} line{'' if count == 1 else 's'}"
            for count in (self.too_long, self.carriage_returns)
        }
        if self.too_long:
            done = f"cut to their first {self.max_chars:,}" if cut else "skipped"
            found.append(
                f"{path}: {lines[self.too_long]} longer than {self.max_chars:,} characters {done}; "
                "raise max_chars (--max-chars) to keep them whole"
            )
        if self.carriage_returns:
            found.append(
                f"{path}: {lines[self.carriage_returns]} with a carriage return (\\r) inside, read as "
                "a space: align breaks lines at \\n only. If the file has old Mac line ends, convert "
                "them first: tr '\\r' '\\n'"
            )
        return found


@dataclass
class Collection:
    """The sentences of one file, and the line each came from."""

    path: str
    texts: list[str] = field(default_factory=list)
    line_numbers: list[int] = field(default_factory=list)  # 1-based line of each text
    row_of_line: dict[int, int] = field(default_factory=dict)  # every non-blank line → its text's row
    blank: int = 0
    duplicates: int = 0
    undecodable: int = 0  # lines skipped as not UTF-8 (only with ``skip_bad_lines``)
    total_lines: int = 0
    guard: LineGuard = field(default_factory=LineGuard)  # lines too long, carriage returns

    def warnings(self) -> list[str]:
        """What reading changed or dropped, beyond blank lines: one warning a kind."""
        undecodable = [f"{self.path}: skipped {self.undecodable:,} lines that are not UTF-8"]
        return (undecodable if self.undecodable else []) + self.guard.warnings(self.path)


def read_collection(
    path: str | os.PathLike,
    *,
    unify: bool = False,
    skip_bad_lines: bool = False,
    max_chars: int = MAX_LINE_CHARS,
) -> Collection:
    """Read one sentence a line, skipping blank lines; with ``unify`` keep each distinct line once.

    With ``skip_bad_lines`` a line that is not UTF-8 is skipped like a blank one, and counted; so is
    a line longer than ``max_chars`` (:class:`LineGuard`).
    """
    collection = Collection(str(path), guard=LineGuard(max_chars))
    first_row: dict[str, int] = {}
    for number, text in iter_lines(path, skip_undecodable=skip_bad_lines):
        collection.total_lines = number
        if text is None:
            collection.undecodable += 1
            continue
        sentence = collection.guard.sentence(text)  # also keeps tabs out of the TSV
        if sentence is None:
            continue
        if not sentence:
            collection.blank += 1
            continue
        if unify and sentence in first_row:
            collection.duplicates += 1
            collection.row_of_line[number] = first_row[sentence]
            continue
        first_row[sentence] = len(collection.texts)
        collection.row_of_line[number] = len(collection.texts)
        collection.texts.append(sentence)
        collection.line_numbers.append(number)
    if not collection.texts:
        too_long = collection.guard.too_long
        reason = f", or every line is longer than {max_chars:,} characters" if too_long else ""
        raise AlignError(f"{path}: no sentences (the file is empty or blank{reason})")
    return collection
