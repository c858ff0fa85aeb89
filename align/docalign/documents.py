"""Document collections for ``align docalign``: a directory with one document a file, or a JSONL
file of ``{"id": ..., "text": ...}`` records.

A document's sentences are its lines (blank ones dropped), or, with ``split_language``, what the
sentence splitter (:mod:`align.splitting`) makes of its text, for documents not yet one sentence
a line.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from align.errors import AlignError, InputFormatError
from align.files import MAX_LINE_CHARS, LineGuard, iter_lines
from align.splitting import paragraphs, split_text

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Document:
    """A document's id (its path under the directory, or its JSONL ``id``) and its sentences."""

    id: str
    sentences: tuple[str, ...]


def _sentences(text: str, split_language: str | None, guard: LineGuard) -> tuple[str, ...]:
    """The non-blank lines (whitespace runs made one space), or the splitter's sentences; those
    longer than the guard's limit are left out, and counted there."""
    found = paragraphs(text) if split_language is None else split_text(text, split_language)
    return tuple(sentence for sentence in map(guard.sentence, found) if sentence)


def _read_file(path: Path) -> str:
    return "\n".join(text or "" for _, text in iter_lines(path))


def _from_directory(directory: Path) -> list[tuple[str, str]]:
    files = sorted(p for p in directory.rglob("*") if p.is_file() and not p.name.startswith("."))
    return [(path.relative_to(directory).as_posix(), _read_file(path)) for path in files]


def _from_jsonl(path: Path) -> list[tuple[str, str]]:
    records: list[tuple[str, str]] = []
    seen: set[str] = set()
    for number, line in iter_lines(path):
        if line is None or not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputFormatError(path, f"not JSON: {error.msg}", number) from None
        if not isinstance(record, dict) or "id" not in record or not isinstance(record.get("text"), str):
            raise InputFormatError(path, 'expected an object with "id" and a "text" string', number)
        identifier = str(record["id"])
        if identifier in seen:
            raise InputFormatError(path, f"document id {identifier!r} appears twice", number)
        seen.add(identifier)
        records.append((identifier, record["text"]))
    return records


def read_documents(
    path: str | os.PathLike, split_language: str | None = None, max_chars: int = MAX_LINE_CHARS
) -> list[Document]:
    """The documents of a directory or a JSONL file, in a stable order; documents without a
    sentence are left out with a warning, and a collection without any is an error. Sentences over
    ``max_chars`` are left out too (:class:`align.files.LineGuard`), with a warning."""
    path = Path(path)
    if path.is_dir():
        records = _from_directory(path)
    elif path.is_file():
        records = _from_jsonl(path)
    else:
        raise AlignError(f"{path}: no such file or directory")
    guard = LineGuard(max_chars)
    documents = [
        Document(identifier, _sentences(text, split_language, guard)) for identifier, text in records
    ]
    for warning in guard.warnings(path):
        logger.warning(warning)
    empty = [document.id for document in documents if not document.sentences]
    if empty:
        logger.warning("%s: %d empty document(s) left out (%s)", path, len(empty), ", ".join(empty[:5]))
    documents = [document for document in documents if document.sentences]
    if not documents:
        raise AlignError(f"{path}: no documents with any text (a directory of files, or JSONL of id/text)")
    return documents
