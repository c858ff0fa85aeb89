"""The *shard* stage: stream one input file into shards of sentences, keeping each one's line number.

Sentences are read as :func:`align.sentences.read_collection` reads them (whitespace runs become
one space, blank lines are skipped and counted), so shard row ``r`` of the whole input is row ``r``
of the in-memory path, and the two give the same pairs. Only one shard's texts are in memory.

Each shard ``NNNNN`` is three files: ``NNNNN.txt`` (the sentences, one a line), ``NNNNN.offsets.npy``
(where each sentence starts in it, so any row can be read back without reading the file) and
``NNNNN.lines.npy`` (its 1-based line in the input). ``shards.json``, written last, lists them.
"""

from __future__ import annotations

import json
import mmap
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from align.errors import AlignError
from align.files import MAX_LINE_CHARS, LineGuard, iter_lines
from align.mining.sharded.workdir import Stage, write_json
from align.outputs import atomic_path

SHARDS_FILE = "shards.json"


def shard_name(number: int) -> str:
    return f"{number:05d}"


@dataclass(frozen=True)
class ShardSet:
    """The shards of one input, as ``shards.json`` lists them."""

    input: str
    directory: str
    counts: list[int]  # sentences in each shard
    total_lines: int
    blank: int
    undecodable: int
    too_long: int = 0  # lines over max_chars, skipped (align.files.LineGuard)
    carriage_returns: int = 0  # lines with a carriage return inside, read as a space
    max_chars: int = MAX_LINE_CHARS

    def warnings(self) -> list[str]:
        """What reading the input skipped or changed, beyond blank lines: one warning a kind."""
        guard = LineGuard(self.max_chars, self.too_long, self.carriage_returns)
        return guard.warnings(self.input, undecodable=self.undecodable)

    @property
    def names(self) -> list[str]:
        return [shard_name(number) for number in range(len(self.counts))]

    @property
    def starts(self) -> np.ndarray:
        """The global row of each shard's first sentence."""
        return np.concatenate([[0], np.cumsum(self.counts)[:-1]]).astype(np.int64)

    @property
    def total(self) -> int:
        return int(sum(self.counts))

    def file(self, name: str, suffix: str) -> Path:
        return Path(self.directory) / f"{name}{suffix}"

    def texts(self, name: str) -> list[str]:
        return self.file(name, ".txt").read_text(encoding="utf-8").split("\n")[:-1]

    def line_numbers(self) -> np.ndarray:
        """The input line of every row, all shards: eight bytes a sentence (for ``--gold``)."""
        return np.concatenate([np.load(self.file(name, ".lines.npy")) for name in self.names])

    @classmethod
    def load(cls, stage: Stage) -> ShardSet:
        return cls(**json.loads(stage.path(SHARDS_FILE).read_text(encoding="utf-8")))


def write_shards(
    path: str,
    stage: Stage,
    shard_size: int,
    *,
    skip_bad_lines: bool = False,
    max_chars: int = MAX_LINE_CHARS,
) -> ShardSet:
    """Cut ``path`` into shards of ``shard_size`` sentences under ``stage`` (or reuse them), each
    line read as :func:`align.sentences.read_collection` reads it."""
    if stage.done(SHARDS_FILE):
        shards = ShardSet.load(stage)
        stage.reused += len(shards.counts)
        return shards
    counts: list[int] = []
    blank = undecodable = total_lines = 0
    guard = LineGuard(max_chars)
    texts: list[str] = []
    lines: list[int] = []

    def flush() -> None:
        _write_shard(stage.directory, shard_name(len(counts)), texts, lines)
        counts.append(len(texts))
        texts.clear()
        lines.clear()

    for number, text in iter_lines(path, skip_undecodable=skip_bad_lines):
        total_lines = number
        if text is None:
            undecodable += 1
            continue
        sentence = guard.sentence(text)
        if sentence is None:
            continue
        if not sentence:
            blank += 1
            continue
        texts.append(sentence)
        lines.append(number)
        if len(texts) == shard_size:
            flush()
    if texts:
        flush()
    if not counts:
        raise AlignError(f"{path}: no sentences (the file is empty or blank)")
    shards = ShardSet(
        str(path),
        str(stage.directory),
        counts,
        total_lines,
        blank,
        undecodable,
        guard.too_long,
        guard.carriage_returns,
        max_chars,
    )
    write_json(stage.path(SHARDS_FILE), asdict(shards))
    stage.made += len(counts)
    return shards


def _write_shard(directory: Path, name: str, texts: list[str], lines: list[int]) -> None:
    encoded = [text.encode("utf-8") + b"\n" for text in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(line) for line in encoded], out=offsets[1:])
    with atomic_path(directory / f"{name}.txt") as tmp:
        tmp.write_bytes(b"".join(encoded))
    for suffix, array in ((".offsets.npy", offsets), (".lines.npy", np.asarray(lines, dtype=np.int64))):
        with atomic_path(directory / f"{name}{suffix}") as tmp, open(tmp, "wb") as handle:
            np.save(handle, array)


class LineRows(Mapping[int, int]):
    """Input line → row, read from the shards' line numbers (sorted, so a binary search)."""

    def __init__(self, lines: np.ndarray) -> None:
        self.lines = lines

    def _position(self, line: object) -> int | None:
        if not isinstance(line, (int, np.integer)):
            return None
        position = int(np.searchsorted(self.lines, line))
        return position if position < len(self.lines) and self.lines[position] == line else None

    def __contains__(self, line: object) -> bool:
        return self._position(line) is not None

    def __getitem__(self, line: int) -> int:
        position = self._position(line)
        if position is None:
            raise KeyError(line)
        return position

    def __iter__(self) -> Iterator[int]:
        return iter(self.lines.tolist())

    def __len__(self) -> int:
        return len(self.lines)


class ShardRows:
    """The shards of one input as :class:`align.mining.files.SentenceRows`: rows read back from
    disk a shard at a time, for the TSV and ``--gold``."""

    def __init__(self, shards: ShardSet) -> None:
        self.shards = shards
        self.starts = shards.starts

    @property
    def path(self) -> str:
        return self.shards.input

    @property
    def count(self) -> int:
        return self.shards.total

    @property
    def row_of_line(self) -> Mapping[int, int]:
        return LineRows(self.shards.line_numbers())

    def read(self, rows: np.ndarray) -> Iterator[tuple[str, int]]:
        rows = np.asarray(rows, dtype=np.int64)
        shard_of = np.searchsorted(self.starts, rows, side="right") - 1
        texts: list[str] = [""] * len(rows)
        lines = np.empty(len(rows), dtype=np.int64)
        for number in np.unique(shard_of):
            name = shard_name(int(number))
            positions = np.flatnonzero(shard_of == number)
            local = rows[positions] - self.starts[number]
            offsets = np.load(self.shards.file(name, ".offsets.npy"), mmap_mode="r")
            lines[positions] = np.load(self.shards.file(name, ".lines.npy"), mmap_mode="r")[local]
            with (
                open(self.shards.file(name, ".txt"), "rb") as handle,
                mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data,
            ):
                for position, row in zip(positions.tolist(), local.tolist(), strict=True):
                    texts[position] = data[offsets[row] : offsets[row + 1] - 1].decode("utf-8")
        return zip(texts, lines.tolist(), strict=True)
