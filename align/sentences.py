"""Sentence files: one sentence a line, blank lines skipped, each sentence's line number kept.

Mining, search indexes and the neighbours command all read their input this way, so that
results can point back to the line each sentence came from. Each line passes the rules every
command applies (:class:`align.files.LineGuard`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from align.errors import AlignError
from align.files import MAX_LINE_CHARS, LineGuard, iter_lines


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
        return self.guard.warnings(self.path, undecodable=self.undecodable)


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
