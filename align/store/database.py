"""The store's documents on disk: one SQLite database in WAL mode, the source of truth.

Each document is a row: its id (unique: adding an id again replaces it), text, language, metadata
(JSON) and vector (float32 bytes). Every change is one transaction that also appends to a change
log, so a vector index kept in memory, in this process or another, catches up by reading the log
from where it stopped (:meth:`DocumentTable.changes_since`), and a crash leaves either the whole
change or none of it. SQLite is in the standard library, lets any number of reader processes share
the file with one writer (WAL), and filters metadata with SQL (:mod:`align.store.filters`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from align.errors import AlignError
from align.store.filters import Where, field_expression, to_sql
from align.store.hit import Document
from align.store.lexical import match_expression, terms

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    row INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL,
    lang TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_lang ON documents (lang);
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    row INTEGER NOT NULL,
    added INTEGER NOT NULL  -- 1: the row was added, 0: it was removed
);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- each document's terms (align.store.lexical), its rowid the document's row, ranked by FTS5's BM25
CREATE VIRTUAL TABLE IF NOT EXISTS lexical USING fts5 (terms);
"""
DATABASE_FILE = "store.sqlite"  # the file a store's directory holds
BUSY_TIMEOUT = 30.0  # seconds a writer waits for another process's write to finish
IN_LIST = 900  # values an IN list takes, under SQLite's 999 parameters a statement


class DocumentTable:
    """The documents, the change log and the store's settings, in the SQLite file ``path``."""

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        uri = f"file:{self.path}?mode={'ro' if readonly else 'rwc'}"
        try:
            self.connection = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT, check_same_thread=False)
            self.connection.execute("PRAGMA journal_mode=WAL")
            # FULL: a transaction that returned survives a power cut, not only a killed process.
            self.connection.execute("PRAGMA synchronous=FULL")
            if not readonly:
                self.connection.executescript(SCHEMA)
        except sqlite3.Error as error:
            raise AlignError(f"{self.path}: cannot open the store's database: {error}") from None

    def close(self) -> None:
        self.connection.close()

    # settings -----------------------------------------------------------------------------------

    def setting(self, key: str) -> Any:
        row = self.connection.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def set_setting(self, key: str, value: Any) -> None:
        with self.connection:
            self.connection.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value)),
            )

    # writes ---------------------------------------------------------------------------------------

    def upsert(
        self,
        documents: Sequence[Document],
        vectors: np.ndarray,
    ) -> tuple[list[int], list[int]]:
        """Add or replace ``documents`` (with their ``vectors``) in one transaction; return the rows
        removed (replaced documents) and the rows added, in order. The batch is written by a few
        statements, not a few a document: its rows are numbered here, under SQLite's write lock."""
        with self._writing():
            removed = self._remove_ids([document.id for document in documents])
            first = self._next_row()
            added = list(range(first, first + len(documents)))
            self.connection.executemany(
                "INSERT INTO documents (row, id, text, lang, metadata, vector) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    (
                        row,
                        document.id,
                        document.text,
                        document.lang,
                        json.dumps(document.metadata, ensure_ascii=False),
                        np.ascontiguousarray(vector, dtype=np.float32).tobytes(),
                    )
                    for row, document, vector in zip(added, documents, vectors, strict=True)
                ),
            )
            self.connection.executemany(
                "INSERT INTO changes (row, added) VALUES (?, 1)", ((row,) for row in added)
            )
            self.connection.executemany(
                "INSERT INTO lexical (rowid, terms) VALUES (?, ?)",
                (
                    (row, " ".join(terms(document.text)))
                    for row, document in zip(added, documents, strict=True)
                ),
            )
        return removed, added

    def delete(self, ids: Sequence[str]) -> list[int]:
        """Remove the documents ``ids`` (those that exist) in one transaction; return their rows."""
        with self._writing():
            return self._remove_ids(list(ids))

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One transaction holding SQLite's write lock from its start (BEGIN IMMEDIATE), so that
        rows numbered inside it are this process's to use; committed whole or rolled back."""
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.connection.rollback()
            raise
        self.connection.commit()

    def _next_row(self) -> int:
        """The row the next document gets: after every row ever used (AUTOINCREMENT's rule)."""
        used = self.connection.execute("SELECT seq FROM sqlite_sequence WHERE name = 'documents'").fetchone()
        return max(used[0] if used else 0, self.last_row()) + 1

    def _remove_ids(self, ids: list[str]) -> list[int]:
        """Remove the documents ``ids`` and their terms, and log it (inside a transaction); the rows
        removed (an id not stored is none)."""
        rows = sorted(self.rows_of(ids).values())
        for start in range(0, len(rows), IN_LIST):
            part = rows[start : start + IN_LIST]
            marks = ", ".join("?" * len(part))
            self.connection.execute(f"DELETE FROM documents WHERE row IN ({marks})", part)
            self.connection.execute(f"DELETE FROM lexical WHERE rowid IN ({marks})", part)
        self.connection.executemany(
            "INSERT INTO changes (row, added) VALUES (?, 0)", ((row,) for row in rows)
        )
        return rows

    # reads ----------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return int(self.connection.execute("SELECT COUNT(*) FROM documents").fetchone()[0])

    def last_change(self) -> int:
        """The number of the last change ever made (kept by SQLite even when the log is pruned)."""
        row = self.connection.execute("SELECT seq FROM sqlite_sequence WHERE name = 'changes'").fetchone()
        return int(row[0]) if row else 0

    def first_logged_change(self) -> int | None:
        """The oldest change the log still holds, or None when it holds none."""
        return self.connection.execute("SELECT MIN(seq) FROM changes").fetchone()[0]

    def prune_changes(self, upto: int) -> None:
        """Forget the changes up to ``upto``: an index behind them is rebuilt, not caught up."""
        with self.connection:
            self.connection.execute("DELETE FROM changes WHERE seq <= ?", (upto,))

    def backup_to(self, path: Path) -> None:
        """A consistent copy of the database at ``path``, by SQLite's online backup (writers in
        other processes wait a moment; readers go on)."""
        target = sqlite3.connect(path)
        try:
            self.connection.backup(target)
        finally:
            target.close()

    def free_share(self) -> float:
        """The share of the file's pages left free by deleted documents."""
        pages = self.connection.execute("PRAGMA page_count").fetchone()[0]
        return self.connection.execute("PRAGMA freelist_count").fetchone()[0] / max(pages, 1)

    def compact(self) -> bool:
        """Merge the full-text index's segments and rewrite the file without its free pages
        (SQLite's VACUUM); False when another process holds the database and it must wait."""
        try:
            with self.connection:
                self.connection.execute("INSERT INTO lexical (lexical) VALUES ('optimize')")
            self.connection.execute("VACUUM")
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                return False
            raise AlignError(f"{self.path}: cannot compact the store: {error}") from None
        return True

    def changes_since(self, seq: int) -> tuple[int, list[int], list[int]] | None:
        """The rows removed and the rows added since change ``seq`` (net of each other), and the
        last change's number; None when the log, pruned, no longer holds every change since ``seq``
        (whatever followed ``seq`` must then be read from the documents themselves)."""
        latest = self.last_change()
        first = self.first_logged_change()
        if latest > seq and (first is None or first > seq + 1):
            return None
        rows = self.connection.execute(
            "SELECT seq, row, added FROM changes WHERE seq > ? ORDER BY seq", (seq,)
        )
        state: dict[int, int] = {}
        last = seq
        for number, row, added in rows:
            state[row] = added
            last = number
        removed = [row for row, added in state.items() if not added]
        added_rows = [row for row, added in state.items() if added]
        return last, removed, added_rows

    def vectors(
        self, rows: Sequence[int] | None = None, batch: int = 10_000
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(rows, float32 vectors) of every document, or of ``rows`` (those still present), in batches."""
        if rows is None:
            query = self.connection.execute("SELECT row, vector FROM documents ORDER BY row")
            while chunk := query.fetchmany(batch):
                yield _unpack(chunk)
            return
        for chunk in self._in_chunks("SELECT row, vector FROM documents WHERE row IN ({marks})", rows):
            if chunk:
                yield _unpack(chunk)

    def sample_vectors(self, count: int) -> np.ndarray:
        """About ``count`` vectors spread evenly over the documents (every n-th row), the same
        sample in every process: what a compact index trains on."""
        step = max(1, self.last_row() // max(count, 1))
        found = self._select("SELECT row, vector FROM documents WHERE row % ? = 0", [step])
        return _unpack(found)[1] if found else np.zeros((0, self.setting("dimension")), np.float32)

    def last_row(self) -> int:
        return int(self.connection.execute("SELECT COALESCE(MAX(row), 0) FROM documents").fetchone()[0])

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads inside see the database as it was at their first: what other processes write
        meanwhile comes after (WAL's read transactions)."""
        self.connection.execute("BEGIN")
        try:
            yield
        finally:
            self.connection.execute("COMMIT")

    def documents_with_vectors(self, batch: int = 1_000) -> Iterator[tuple[list[Document], np.ndarray]]:
        """Every document with its vector, in batches, in the order they were written."""
        query = self.connection.execute("SELECT id, text, lang, metadata, vector FROM documents ORDER BY row")
        while chunk := query.fetchmany(batch):
            documents = [Document(i, text, lang, json.loads(meta)) for i, text, lang, meta, _ in chunk]
            yield documents, np.stack([np.frombuffer(blob, dtype=np.float32) for *_, blob in chunk])

    def documents(self, rows: Sequence[int]) -> dict[int, Document]:
        """The documents at ``rows`` (those still present), by row."""
        query = "SELECT row, id, text, lang, metadata FROM documents WHERE row IN ({marks})"
        return {
            row: Document(identifier, text, lang, json.loads(metadata))
            for chunk in self._in_chunks(query, rows)
            for row, identifier, text, lang, metadata in chunk
        }

    def rows_of(self, ids: Sequence[str]) -> dict[str, int]:
        """The rows of the documents ``ids`` (those present), by id."""
        query = "SELECT id, row FROM documents WHERE id IN ({marks})"
        return dict(pair for chunk in self._in_chunks(query, ids) for pair in chunk)

    def matching_rows(self, where: Where | None, among: Sequence[int] | None = None) -> np.ndarray:
        """The rows of the documents ``where`` selects (int64, sorted), of all or of ``among``."""
        condition, params = to_sql(where)
        if among is not None:
            query = f"SELECT row FROM documents WHERE row IN ({{marks}}) AND {condition}"
            found = [row for chunk in self._in_chunks(query, among, params) for (row,) in chunk]
            return np.sort(np.asarray(found, dtype=np.int64))
        # sorted here, not by SQL: ORDER BY row would make SQLite scan by row past a field's index
        rows = self._select(f"SELECT row FROM documents WHERE {condition}", params)
        return np.sort(np.fromiter((row for (row,) in rows), dtype=np.int64, count=len(rows)))

    def _in_chunks(
        self, query: str, values: Sequence[Any], params: Sequence[Any] = ()
    ) -> Iterator[list[tuple]]:
        """The rows of ``query`` (its ``{marks}`` an ``IN`` list) for ``values``, :data:`IN_LIST` at
        a time, ``params`` after them."""
        for start in range(0, len(values), IN_LIST):
            part = [
                value if isinstance(value, str) else int(value) for value in values[start : start + IN_LIST]
            ]
            yield self._select(query.format(marks=", ".join("?" * len(part))), [*part, *params])

    def _select(self, query: str, params: Sequence[Any]) -> list[tuple]:
        try:
            return self.connection.execute(query, params).fetchall()
        except sqlite3.Error as error:
            raise AlignError(f"where: {error}") from None

    def index_field(self, name: str) -> None:
        """An index on the metadata field ``name``, so filters on it need not read every document."""
        column = field_expression(name)
        safe = "".join(character if character.isalnum() else "_" for character in name)
        with self.connection:
            self.connection.execute(f"CREATE INDEX IF NOT EXISTS field_{safe} ON documents ({column})")

    def lexical_search(self, text: str, where: Where | None, limit: int) -> list[tuple[int, float]]:
        """The ``limit`` documents best matching ``text``'s terms by BM25 among those ``where``
        selects: (row, score), best first; none when the text has no terms."""
        expression = match_expression(text)
        if expression is None:
            return []
        condition, params = to_sql(where)
        query = (
            "SELECT lexical.rowid, -bm25(lexical) FROM lexical "
            "JOIN documents ON documents.row = lexical.rowid "
            f"WHERE lexical MATCH ? AND {condition} ORDER BY bm25(lexical) LIMIT ?"
        )
        try:
            found = self.connection.execute(query, [expression, *params, limit]).fetchall()
        except sqlite3.Error as error:
            raise AlignError(f"lexical search: {error}") from None
        return [(int(row), float(score)) for row, score in found]

    def languages(self) -> dict[str | None, int]:
        return dict(self.connection.execute("SELECT lang, COUNT(*) FROM documents GROUP BY lang").fetchall())


def _unpack(chunk: list[tuple[int, bytes]]) -> tuple[np.ndarray, np.ndarray]:
    rows = np.fromiter((row for row, _ in chunk), dtype=np.int64, count=len(chunk))
    vectors = np.stack([np.frombuffer(blob, dtype=np.float32) for _, blob in chunk])
    return rows, vectors
