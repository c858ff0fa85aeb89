"""Reading input files line by line (plain or gzip), so that errors can name the file and line, and
the rules every command applies to a line of text (:class:`LineGuard`).

Writing is :mod:`align.outputs`'s job; the errors themselves are :mod:`align.errors`.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from align.errors import AlignError, InputFormatError


def open_binary(path: str | os.PathLike) -> BinaryIO:
    """Open a plain or ``.gz`` file for binary reading, with a clear error if it is missing."""
    path = Path(path)
    if path.is_dir():
        raise InputFormatError(path, "is a directory, not a file")
    if not path.is_file():
        raise InputFormatError(path, "no such file")
    try:
        if path.suffix == ".gz":
            return gzip.open(path, "rb")  # type: ignore[return-value]
        return path.open("rb")
    except OSError as error:
        raise InputFormatError(path, f"cannot open it: {error.strerror}") from None


@contextlib.contextmanager
def _read_errors(path: str | os.PathLike) -> Iterator[None]:
    """Turn a damaged gzip stream or a failing disk into an error that names the file."""
    try:
        yield
    except (OSError, EOFError, zlib.error) as error:
        raise InputFormatError(path, f"cannot read it: {error}") from None


# The Python spelling; the command line prints it as --skip-bad-lines (align.cli_errors.fail).
SKIP_HINT = "pass skip_bad_lines=True to drop such lines"


def iter_lines(
    path: str | os.PathLike, *, skip_undecodable: bool = False, hint: str | None = SKIP_HINT
) -> Iterator[tuple[int, str | None]]:
    """Yield ``(line_number, text)`` for each line of a UTF-8 file, without the line break.

    A line that is not valid UTF-8, or that holds a NUL byte (a UTF-16 or binary file decodes
    "validly" otherwise), raises :class:`InputFormatError` naming the file and line, with ``hint``
    (what the calling command offers instead); with ``skip_undecodable`` it is yielded as ``None``
    so the caller can count and drop it while keeping line alignment with a parallel file.
    """
    with open_binary(path) as handle, _read_errors(path):
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8")
                problem = "holds a NUL byte (is it UTF-16 or binary?)" if "\x00" in text else None
            except UnicodeDecodeError as error:
                problem = f"not valid UTF-8 (byte {error.start})"
            if problem is None:
                yield number, text.rstrip("\r\n")
            elif skip_undecodable:
                yield number, None
            else:
                raise InputFormatError(path, f"{problem}; {hint}" if hint else problem, number)


def count_lines(path: str | os.PathLike) -> int:
    """Count the lines of a plain or gzip file without decoding them."""
    with open_binary(path) as handle, _read_errors(path):
        return sum(1 for _ in handle)


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

    def warnings(self, path: str | os.PathLike, *, cut: bool = False, undecodable: int = 0) -> list[str]:
        """What reading ``path`` changed, one line each (none when nothing was): the rules' counts,
        and ``undecodable``, the lines a reader skipped as not UTF-8."""
        found = [f"{path}: skipped {undecodable:,} lines that are not UTF-8"] if undecodable else []
        if self.too_long:
            done = f"cut to their first {self.max_chars:,}" if cut else "skipped"
            found.append(
                f"{path}: {_lines(self.too_long)} longer than {self.max_chars:,} characters {done}; "
                "raise max_chars (--max-chars) to keep them whole"
            )
        if self.carriage_returns:
            found.append(
                f"{path}: {_lines(self.carriage_returns)} with a carriage return (\\r) inside, read as a "
                "space: align breaks lines at \\n only. If the file has old Mac line ends, convert them "
                "first: tr '\\r' '\\n'"
            )
        return found


def _lines(count: int) -> str:
    return f"{count:,} line{'' if count == 1 else 's'}"
