"""File helpers shared by every command: atomic outputs and line-numbered text input.

Outputs are written to a temporary sibling and renamed into place only when complete, so an
interrupted run never leaves a half-written file that looks finished. Inputs are read line by
line (plain or gzip) so that errors can name the file and line they come from.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


class AlignError(Exception):
    """An error caused by the user's input or settings; the CLI prints it without a traceback."""


class InputFormatError(AlignError):
    """Malformed input, located by file and (where it applies) line number."""

    def __init__(self, path: str | os.PathLike, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


def refuse_overwrite(path: str | os.PathLike, force: bool) -> None:
    """Raise unless ``path`` is free or the user said ``--force``."""
    if Path(path).exists() and not force:
        raise AlignError(f"{path} already exists; pass --force to overwrite it.")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` if the block succeeds.

    Works for files and directories. On error the temporary is removed and ``path`` is untouched.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    tmp_target = tmp / target.name
    try:
        yield tmp_target
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        os.replace(tmp_target, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def open_binary(path: str | os.PathLike) -> BinaryIO:
    """Open a plain or ``.gz`` file for binary reading, with a clear error if it is missing."""
    path = Path(path)
    if not path.is_file():
        raise InputFormatError(path, "no such file")
    if path.suffix == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def iter_lines(
    path: str | os.PathLike, *, skip_undecodable: bool = False
) -> Iterator[tuple[int, str | None]]:
    """Yield ``(line_number, text)`` for each line of a UTF-8 file, without the line break.

    A line that is not valid UTF-8 raises :class:`InputFormatError` naming the file and line,
    or, with ``skip_undecodable``, is yielded as ``None`` so the caller can count and drop it
    while keeping line alignment with a parallel file.
    """
    with open_binary(path) as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                if skip_undecodable:
                    yield number, None
                    continue
                raise InputFormatError(
                    path,
                    f"not valid UTF-8 (byte {error.start}); pass --skip-bad-lines to drop such lines",
                    number,
                ) from None
            yield number, text.rstrip("\r\n")


def count_lines(path: str | os.PathLike) -> int:
    """Count the lines of a plain or gzip file without decoding them."""
    with open_binary(path) as handle:
        return sum(1 for _ in handle)
