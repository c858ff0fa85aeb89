"""The errors align reports to users: caused by their input or settings, shown without a traceback.

Every command turns them into one line and exit code 2 (:mod:`align.cli_errors`); API users catch
:class:`AlignError`.
"""

from __future__ import annotations

import os


class AlignError(Exception):
    """An error caused by the user's input or settings; the CLI prints it without a traceback."""


class InputFormatError(AlignError):
    """Malformed input, located by file and (where it applies) line number."""

    def __init__(self, path: str | os.PathLike, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")
