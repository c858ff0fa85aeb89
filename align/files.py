"""Reading input files line by line (plain or gzip), so that errors can name the file and line.

Writing is :mod:`align.outputs`'s job; the errors themselves are :mod:`align.errors`.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from align.errors import InputFormatError


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
