"""Sentence alignments as links, and Vecalign's file format for them.

A link pairs a run of consecutive source sentences with a run of consecutive target sentences
(0-based indices); one side may be empty (a sentence with no partner). Vecalign writes one link a
line, ``[0, 1]:[0]:0.123`` (the score optional), and Vecalign's and Bertalign's scorers read it, as
do the gold files of Text+Berg (``dev.defr``) and Vecalign's ``bleualign_data``.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from align.errors import InputFormatError
from align.files import iter_lines


@dataclass(frozen=True)
class Link:
    """Source sentences ``source`` aligned with target sentences ``target`` (each a run of
    consecutive 0-based indices, possibly empty), with the aligner's score (None: not scored)."""

    source: tuple[int, ...]
    target: tuple[int, ...]
    score: float | None = None

    def vecalign(self) -> str:
        """The link as Vecalign writes it: ``[0, 1]:[0]:0.123456``."""
        text = f"{list(self.source)}:{list(self.target)}"
        return text if self.score is None else f"{text}:{self.score:.6f}"


def _indices(text: str, path: str | os.PathLike, line: int) -> tuple[int, ...]:
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError):
        value = None
    if not isinstance(value, list) or not all(isinstance(i, int) and i >= 0 for i in value):
        raise InputFormatError(path, f"not a list of sentence indices: {text.strip()!r}", line)
    return tuple(value)


def read_links(path: str | os.PathLike) -> list[Link]:
    """Read a Vecalign-format alignment (``[i, j]:[k]`` or ``[i, j]:[k]:score`` a line)."""
    links = []
    for number, text in iter_lines(path):
        if text is None or not text.strip():
            continue
        parts = text.split(":")
        if len(parts) not in (2, 3):
            raise InputFormatError(path, f"expected SRC:TGT or SRC:TGT:SCORE, found {text!r}", number)
        score = None
        if len(parts) == 3:
            try:
                score = float(parts[2])
            except ValueError:
                raise InputFormatError(path, f"the score {parts[2]!r} is not a number", number) from None
        links.append(Link(_indices(parts[0], path, number), _indices(parts[1], path, number), score))
    return links


def format_links(links: Iterable[Link]) -> str:
    return "".join(link.vecalign() + "\n" for link in links)


def texts_of(link: Link, sources: Sequence[str], targets: Sequence[str]) -> tuple[str, str]:
    """The link's source and target text, each run joined with spaces (``--format tsv``)."""
    return " ".join(sources[i] for i in link.source), " ".join(targets[i] for i in link.target)
