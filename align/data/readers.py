"""Streaming readers for parallel corpora: OPUS Moses pairs, TMX, TSV/CSV, JSONL and HF datasets.

Every reader yields :class:`SentencePair` one at a time, so a corpus of tens of millions of pairs
is never held whole in memory. Malformed input raises :class:`~align.errors.InputFormatError`
naming the file and line; undecodable lines can instead be skipped and counted.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path
from typing import Any, NamedTuple, ParamSpec

from align.errors import AlignError, InputFormatError
from align.extras import require
from align.files import LineGuard, count_lines, iter_lines, open_binary

P = ParamSpec("P")
FORMATS = ("moses", "tmx", "tsv", "csv", "jsonl", "hf")


class SentencePair(NamedTuple):
    """A source sentence and its translation."""

    source: str
    target: str


@dataclass
class ReadStats:
    """What the readers skipped rather than failed on (only with ``skip_bad_lines``), and the line
    pairs with a carriage return inside a side (read as a space, as :class:`align.files.LineGuard`
    reads it)."""

    undecodable: int = 0
    carriage_returns: int = 0

    def warnings(self, where: str) -> list[str]:
        """What reading ``where`` skipped or read specially, one warning a kind."""
        return LineGuard(carriage_returns=self.carriage_returns).warnings(where, undecodable=self.undecodable)


@dataclass(frozen=True)
class CorpusSource:
    """One parallel corpus to read: where it is, its format, and which side is which language.

    ``columns`` names the source and target columns for TSV/CSV (names or 0-based indices) and
    the keys for JSONL and HF datasets (dotted paths such as ``translation.en`` reach into
    nested objects); when empty, sensible defaults are derived from the language codes.
    """

    path: str
    source_lang: str
    target_lang: str
    format: str
    target_path: str | None = None  # the second file of a Moses pair
    columns: tuple[str, str] | None = None
    hf_config: str | None = None
    hf_split: str = "train"

    def describe(self) -> str:
        if self.target_path:
            return f"{self.path} + {Path(self.target_path).name}"
        return self.path


def detect_format(path: Path) -> str:
    """Guess a corpus format from its path; raise a helpful error when it cannot be guessed."""
    if path.is_dir():
        if (path / "dataset_info.json").is_file() or (path / "state.json").is_file():
            return "hf"
        return "moses"
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    suffix = Path(name).suffix.lower()
    by_suffix = {".tmx": "tmx", ".tsv": "tsv", ".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl"}
    if suffix in by_suffix:
        return by_suffix[suffix]
    if re.fullmatch(r".+\.[\w]+-[\w]+\.[\w]+", name):
        return "moses"
    raise InputFormatError(
        path,
        f"cannot tell the corpus format from the name; pass --format (one of: {', '.join(FORMATS)})",
    )


def read_source(
    source: CorpusSource, *, skip_bad_lines: bool = False, stats: ReadStats | None = None
) -> Iterator[SentencePair]:
    """Stream the pairs of one :class:`CorpusSource`."""
    for _, pair in read_numbered(source, skip_bad_lines=skip_bad_lines, stats=stats):
        yield pair


def read_numbered(
    source: CorpusSource, *, skip_bad_lines: bool = False, stats: ReadStats | None = None
) -> Iterator[tuple[int, SentencePair]]:
    """Stream ``(line, pair)``: each pair of one :class:`CorpusSource` with where it is in the input
    (its 1-based line; a TMX ``<tu>``'s and a dataset record's 1-based number), so a filter's
    output can point back to it."""
    stats = stats if stats is not None else ReadStats()
    if source.format == "moses":
        if source.target_path is None:
            raise AlignError(f"{source.path}: a Moses corpus needs both files")
        yield from _moses(source.path, source.target_path, skip_bad_lines=skip_bad_lines, stats=stats)
    elif source.format == "tmx":
        yield from _tmx(source.path, source.source_lang, source.target_lang)
    elif source.format in ("tsv", "csv"):
        columns = source.columns or ("0", "1")
        yield from _delimited(
            source.path,
            columns,
            delimiter="\t" if source.format == "tsv" else ",",
            skip_bad_lines=skip_bad_lines,
            stats=stats,
        )
    elif source.format == "jsonl":
        yield from _jsonl(
            source.path, source.columns or _default_keys(source), skip_bad_lines=skip_bad_lines, stats=stats
        )
    elif source.format == "hf":
        yield from _hf_dataset(
            source.path,
            source.columns or _default_keys(source),
            config=source.hf_config,
            split=source.hf_split,
        )
    else:
        raise AlignError(f"unknown corpus format {source.format!r}; choose one of: {', '.join(FORMATS)}")


def _default_keys(source: CorpusSource) -> tuple[str, str]:
    """OPUS datasets on the hub and many JSONL dumps use ``{"translation": {"en": ..., "zh": ...}}``."""
    return (f"translation.{source.source_lang}", f"translation.{source.target_lang}")


def _moses(
    source_path: str | Path,
    target_path: str | Path,
    *,
    skip_bad_lines: bool = False,
    stats: ReadStats | None = None,
) -> Iterator[tuple[int, SentencePair]]:
    """Read two line-aligned files; different line counts are an error that gives both counts."""
    stats = stats if stats is not None else ReadStats()
    source_lines = iter_lines(source_path, skip_undecodable=skip_bad_lines)
    target_lines = iter_lines(target_path, skip_undecodable=skip_bad_lines)
    for source_item, target_item in zip_longest(source_lines, target_lines):
        if source_item is None or target_item is None:
            raise InputFormatError(
                source_path,
                f"has {count_lines(source_path)} lines but {target_path} has {count_lines(target_path)}; "
                "the two sides of a Moses corpus must be line-aligned",
            )
        (number, source_text), (_, target_text) = source_item, target_item
        if source_text is None or target_text is None:
            stats.undecodable += 1
            continue
        stats.carriage_returns += "\r" in source_text or "\r" in target_text
        yield number, SentencePair(source_text, target_text)


def _language_matches(tag: str, wanted: str) -> bool:
    """``en-US`` and ``EN`` both match ``en``; ``zh-Hant`` matches ``zh``."""
    tag = tag.lower().replace("_", "-")
    return tag == wanted.lower() or tag.split("-")[0] == wanted.lower()


def _tmx(path: str | Path, source_lang: str, target_lang: str) -> Iterator[tuple[int, SentencePair]]:
    """Read a TMX translation memory, taking the ``<seg>`` of each language from every ``<tu>``.

    A ``<tu>`` that lacks one of the languages yields an empty side, which cleaning then drops
    and counts, so a sparse memory is visible in the report rather than silently thinned.
    """
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    with open_binary(path) as handle:
        try:
            units = 0
            for _, element in ElementTree.iterparse(handle, events=("end",)):
                if element.tag != "tu":
                    continue
                units += 1
                texts = {}
                for tuv in element.iter("tuv"):
                    lang = tuv.get(xml_lang) or tuv.get("lang") or ""
                    seg = tuv.find("seg")
                    text = "".join(seg.itertext()) if seg is not None else ""
                    for wanted in (source_lang, target_lang):
                        if _language_matches(lang, wanted):
                            texts.setdefault(wanted, text)
                yield units, SentencePair(texts.get(source_lang, ""), texts.get(target_lang, ""))
                element.clear()
        except ElementTree.ParseError as error:
            line, column = error.position
            raise InputFormatError(path, f"malformed TMX (column {column}): {error.msg}", line) from None


def _column_index(header: list[str] | None, column: str, path: str | Path) -> int:
    if column.isdigit():
        return int(column)
    if header is None or column not in header:
        raise InputFormatError(path, f"no column named {column!r} (header: {header})", 1)
    return header.index(column)


def _delimited(
    path: str | Path,
    columns: tuple[str, str],
    *,
    delimiter: str,
    skip_bad_lines: bool = False,
    stats: ReadStats | None = None,
) -> Iterator[tuple[int, SentencePair]]:
    """Read TSV or CSV. Columns are 0-based indices, or header names (then line 1 is the header).

    TSV is read literally (no quoting), as OPUS and most MT tools write it; CSV follows RFC 4180.
    """
    stats = stats if stats is not None else ReadStats()
    by_name = not all(column.isdigit() for column in columns)
    header: list[str] | None = None
    indices: tuple[int, int] | None = None if by_name else (int(columns[0]), int(columns[1]))
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    for number, line in iter_lines(path, skip_undecodable=skip_bad_lines):
        if line is None:
            stats.undecodable += 1
            continue
        if "\r" in line:  # read as a space, as everywhere (csv would take it for a line break)
            stats.carriage_returns += 1
            line = line.replace("\r", " ")
        try:
            row = next(csv.reader(io.StringIO(line), delimiter=delimiter, quoting=quoting), [])
        except csv.Error as error:  # e.g. a field over csv's size limit, or a stray quote
            raise InputFormatError(path, f"not a {delimiter!r}-separated row: {error}", number) from None
        if indices is None:
            header = row
            indices = (_column_index(header, columns[0], path), _column_index(header, columns[1], path))
            continue
        if len(row) <= max(indices):
            if not line.strip():
                continue
            raise InputFormatError(
                path, f"expected at least {max(indices) + 1} columns, found {len(row)}", number
            )
        yield number, SentencePair(row[indices[0]], row[indices[1]])


def _lookup(record: Any, dotted_key: str) -> Any:
    for part in dotted_key.split("."):
        if not isinstance(record, dict) or part not in record:
            raise KeyError(dotted_key)
        record = record[part]
    return record


def _jsonl(
    path: str | Path, keys: tuple[str, str], *, skip_bad_lines: bool = False, stats: ReadStats | None = None
) -> Iterator[tuple[int, SentencePair]]:
    """Read one JSON object a line; ``keys`` are dotted paths to the two sentences."""
    stats = stats if stats is not None else ReadStats()
    for number, line in iter_lines(path, skip_undecodable=skip_bad_lines):
        if line is None:
            stats.undecodable += 1
            continue
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputFormatError(
                path, f"invalid JSON: {error.msg} (column {error.colno})", number
            ) from None
        except (ValueError, RecursionError) as error:  # a number too long, nesting too deep
            raise InputFormatError(path, f"unreadable JSON: {error}", number) from None
        try:
            yield number, SentencePair(str(_lookup(record, keys[0])), str(_lookup(record, keys[1])))
        except KeyError as error:
            raise InputFormatError(
                path, f"no key {error.args[0]!r} in this record; choose keys with --columns", number
            ) from None


def _hf_dataset(
    name_or_path: str, keys: tuple[str, str], *, config: str | None = None, split: str = "train"
) -> Iterator[tuple[int, SentencePair]]:
    """Read a Hugging Face dataset: a directory from ``save_to_disk``, or a hub name (streamed).

    Hub datasets are streamed, so nothing is downloaded beyond what is read. Offline, the hub
    error is turned into a message that says how to pass local files instead.
    """
    require("train", "reading a Hugging Face dataset")
    import datasets

    path = Path(name_or_path)
    if path.is_dir():
        loaded = datasets.load_from_disk(str(path))
        dataset = loaded[split] if isinstance(loaded, datasets.DatasetDict) else loaded
    else:
        try:
            dataset = datasets.load_dataset(name_or_path, config, split=split, streaming=True)
        except Exception as error:
            raise AlignError(
                f"could not load the dataset {name_or_path!r} (config {config!r}) from the Hugging Face hub: "
                f"{type(error).__name__}: {error}. Offline, pass local files with --data PATH."
            ) from None
    for number, record in enumerate(dataset, start=1):
        try:
            yield number, SentencePair(str(_lookup(record, keys[0])), str(_lookup(record, keys[1])))
        except KeyError as error:
            raise InputFormatError(
                name_or_path,
                f"record {number} has no key {error.args[0]!r}; its keys are {sorted(record)}",
                number,
            ) from None


def _pairs_only(
    numbered: Callable[P, Iterator[tuple[int, SentencePair]]], name: str
) -> Callable[P, Iterator[SentencePair]]:
    """The public reader ``name``: the numbered one's pairs, without their line numbers."""

    @functools.wraps(numbered)
    def read(*args: P.args, **kwargs: P.kwargs) -> Iterator[SentencePair]:
        for _, pair in numbered(*args, **kwargs):
            yield pair

    read.__name__ = read.__qualname__ = name
    return read


read_moses = _pairs_only(_moses, "read_moses")
read_tmx = _pairs_only(_tmx, "read_tmx")
read_delimited = _pairs_only(_delimited, "read_delimited")
read_jsonl = _pairs_only(_jsonl, "read_jsonl")
read_hf_dataset = _pairs_only(_hf_dataset, "read_hf_dataset")
