"""A document store for retrieval apps: upserts and deletes by id, filters inside the search,
documents on disk, safe to share between threads and processes, consistent after a crash.

The SQLite database (:mod:`align.store.database`) holds everything, vectors included; the FAISS
index in memory (:mod:`align.store.vectors`: exact, or compact codes for millions of documents) is
derived from it and kept in step through the database's change log, so it is rebuilt or caught up
from the file whatever happened to the process that wrote it. Writes are serialised by a lock (and
across processes by SQLite); a search embeds its queries outside the lock, then holds it only
while it catches up and searches.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from align.embedding.protocol import Embedder
from align.errors import AlignError
from align.outputs import atomic_path
from align.store.base import AUTO, Asked, DocumentStore, Group
from align.store.database import DATABASE_FILE, DocumentTable
from align.store.filters import Where
from align.store.fusion import fuse
from align.store.hit import Document, Hit
from align.store.vectors import (
    COMPACT,
    COMPACT_FROM,
    DEFAULT_NPROBE,
    FLAT,
    RESCORE,
    TRAINING_PER_LIST,
    Selection,
    StoreIndex,
    check_kind,
    compact_factory,
)

SELECTIONS_KEPT = 32  # filters whose rows are kept between searches
COMPACT_AT = 0.25  # share of the database's pages left free by deletes that close() gives back
INDEX_PREFIX, INDEX_SUFFIX = "index-", ".faiss"  # index-SEQ.faiss: the index up to change SEQ


def _saved_change(path: Path) -> int:
    """The last change a saved index holds, from its name (``index-1234.faiss`` → 1234)."""
    try:
        return int(path.name[len(INDEX_PREFIX) : -len(INDEX_SUFFIX)])
    except ValueError:
        return -1


class Store(DocumentStore):
    """Documents in SQLite with a FAISS index, on one machine; see the module's docstring, and
    :class:`align.store.base.DocumentStore` for ``model``, the roles and ``lid``.

    ``index`` is chosen with a new store and recorded: ``flat`` (exact search, every vector in
    memory) or ``compact`` (codes of a few dozen bytes a vector, rescored exactly: for millions of
    documents); see :mod:`align.store.vectors`. ``nprobe`` is how many of a compact index's lists a
    search scans by default (more is slower and surer).
    """

    def __init__(
        self,
        directory: str | os.PathLike,
        model: Embedder | str | None = None,
        *,
        readonly: bool = False,
        query_role: str | None = None,
        document_role: str | None = None,
        lid: str | None = AUTO,
        index: str | None = None,
        nprobe: int = DEFAULT_NPROBE,
    ) -> None:
        self.directory = Path(directory)
        if not readonly:
            self.directory.mkdir(parents=True, exist_ok=True)
        elif not (self.directory / DATABASE_FILE).is_file():
            raise AlignError(f"{self.directory}: no store here ({DATABASE_FILE} is missing)")
        self.where_label = str(self.directory)
        self.table = DocumentTable(self.directory / DATABASE_FILE, readonly=readonly)
        roles = {"query_role": query_role, "document_role": document_role}
        self._open(model, readonly=readonly, lid=lid, **roles)
        self._settle_index(index, readonly)
        self.nprobe = nprobe
        self._index: StoreIndex | None = None  # from the saved copy or the documents (_catch_up)
        self._seen = 0
        self._saved = 0
        self._load_saved_index()
        # where filter (as JSON) → (change seen, its rows as a selection), newest last
        self._selections: OrderedDict[str, tuple[int, Selection]] = OrderedDict()
        self._selections_lock = threading.Lock()
        self.refresh()

    # settings -------------------------------------------------------------------------------------

    def setting(self, key: str) -> Any:
        return self.table.setting(key)

    def _record(self, settings: dict[str, Any]) -> None:
        for key, value in settings.items():
            self.table.set_setting(key, value)

    def _settle_index(self, index: str | None, readonly: bool) -> None:
        """Record the kind of index with a new store (flat by default), or check it against the one
        recorded."""
        recorded = self.table.setting("index") or FLAT  # stores made before the choice are flat
        if index is not None and check_kind(index) != recorded:
            if len(self.table) or readonly:
                raise AlignError(
                    f"{self.directory}: the store's index is {recorded}, not {index}; "
                    "the kind is chosen when a store is created"
                )
            recorded = index
        if not readonly and self.table.setting("index") != recorded:
            self.table.set_setting("index", recorded)
        self.index_kind = recorded

    # writes -------------------------------------------------------------------------------------

    def _write(self, documents: list[Document], vectors: np.ndarray) -> None:
        self.table.upsert(documents, vectors)
        self._catch_up()

    def _remove(self, ids: list[str]) -> int:
        removed = self.table.delete(ids)
        self._catch_up()
        return len(removed)

    # reads ----------------------------------------------------------------------------------------

    def __len__(self) -> int:
        with self._lock.reading():
            return len(self.table)

    def _load_saved_index(self) -> None:
        """Start from the index saved at close (its file names the last change it holds), so that
        opening a large store reads only the changes since, not every vector; a missing or
        unreadable file means starting from the database."""
        saved = sorted(self.directory.glob(f"{INDEX_PREFIX}*{INDEX_SUFFIX}"), key=_saved_change)
        for path in reversed(saved):
            try:
                index = StoreIndex.read(path)
            except RuntimeError:  # damaged: the database still holds everything
                continue
            if index.dimension == self.table.setting("dimension"):
                self._index, self._seen = index, _saved_change(path)
                self._saved = self._seen
            return

    def save_index(self) -> None:
        """Write the index beside the database (``close`` does it when something changed), and
        remove older copies; a crash while writing leaves the previous copy, or none, never half."""
        with self._lock.writing():
            if self.readonly or self._index is None or self._seen == self._saved:
                return
            target = self.directory / f"{INDEX_PREFIX}{self._seen}{INDEX_SUFFIX}"
            with atomic_path(target) as partial:
                self._index.write(partial)
                with open(partial, "rb") as handle:
                    os.fsync(handle.fileno())
            for old in self.directory.glob(f"{INDEX_PREFIX}*{INDEX_SUFFIX}"):
                if old != target:
                    old.unlink(missing_ok=True)
            self._saved = self._seen
            # the log before this copy is needed only by readers further behind, who rebuild instead
            self.table.prune_changes(self._seen)

    def refresh(self) -> None:
        """Bring the index in step with the database: what other processes wrote becomes searchable."""
        with self._lock.writing():
            self._catch_up()

    def _catch_up(self) -> None:
        """Apply the changes logged since the index's last one; rebuild the index from the documents
        when the log no longer reaches back that far (it is pruned as the index is saved), and when
        a compact store has grown enough to train its codes."""
        if self.table.last_change() == self._seen:
            return
        changes = self.table.changes_since(self._seen)
        if changes is None or self._index is None:
            self._rebuild()
            return
        last, removed, added = changes
        if removed:
            self._index.remove(removed)
        for rows, vectors in self.table.vectors(added):
            self._index.add(rows, vectors)
        self._seen = last
        if self.index_kind == COMPACT and not self._index.compact and len(self._index) >= COMPACT_FROM:
            self._rebuild()

    def _rebuild(self) -> None:
        """The index built afresh from every document: a compact one trained on an even sample of
        them when the store is compact and holds enough (see :mod:`align.store.vectors`)."""
        count = len(self.table)
        dimension = self.table.setting("dimension")
        if self.index_kind == COMPACT and count >= COMPACT_FROM:
            factory = compact_factory(count)
            lists = int(factory[3 : factory.index(",")])
            self._index = StoreIndex.trained(factory, self.table.sample_vectors(lists * TRAINING_PER_LIST))
        else:
            self._index = StoreIndex.flat(dimension)
        with self.table.snapshot():  # no other process's change half seen
            for rows, vectors in self.table.vectors():
                self._index.add(rows, vectors)
            self._seen = self.table.last_change()

    def reindex(self) -> None:
        """Rebuild the index from the documents now: a compact store's codes trained again for the
        number it holds now (worth doing once it has grown tenfold since they were trained)."""
        with self._lock.writing():
            self._rebuild()

    def _before_search(self) -> None:
        """Catch the index up with what was written (here or by another process) before searching."""
        with self._lock.reading():
            behind = self.table.last_change() != self._seen
        if behind:
            with self._lock.writing():
                self._catch_up()

    def _found(
        self, matrix: np.ndarray | None, queries: list[str], groups: list[Group], asked: Asked
    ) -> list[list[Hit]]:
        ranked: list[list[tuple[int, float]]] = []
        for part, condition in groups:
            part_matrix = matrix[part] if matrix is not None else None
            ranked += self._ranked(part_matrix, queries[part], condition, asked)
        return self._hits([found[: asked.k] for found in ranked])

    def _selection(self, where: Where) -> Selection:
        """The rows ``where`` selects, kept for the next search with the same filter and brought up
        to date from the change log (only new rows are read)."""
        key = json.dumps(where, sort_keys=True, default=str)
        with self._selections_lock:  # searches run at once; each filter's rows are kept once
            return self._kept_selection(key, where)

    def _kept_selection(self, key: str, where: Where) -> Selection:
        cached = self._selections.pop(key, None)
        if cached is not None and cached[0] == self._seen:
            selection = cached[1]
        else:
            changes = None if cached is None else self.table.changes_since(cached[0])
            if changes is None:  # a new filter, or the log no longer reaches back to it
                rows = self.table.matching_rows(where)
            else:
                _, removed, added = changes
                kept = cached[1].rows[~np.isin(cached[1].rows, np.asarray(removed, dtype=np.int64))]
                rows = np.union1d(kept, self.table.matching_rows(where, among=added))
            selection = Selection(rows)
        self._selections[key] = (self._seen, selection)
        while len(self._selections) > SELECTIONS_KEPT:
            self._selections.popitem(last=False)
        return selection

    def index_field(self, name: str) -> None:
        """Index the metadata field ``name`` in the database, so that a new filter on it reads only
        the documents it selects instead of every one (once a filter has run, the store keeps its
        rows up to date anyway)."""
        with self._lock.writing():
            self.table.index_field(name)

    def _ranked(
        self, matrix: np.ndarray | None, queries: list[str], where: Where | None, asked: Asked
    ) -> list[list[tuple[int, float]]]:
        """(row, score) rankings of the queries (or vectors) under one filter, as ``asked``."""
        depth = asked.depth
        nprobe = asked.nprobe or self.nprobe
        dense = self._dense(matrix, depth, where, nprobe) if matrix is not None else []
        if asked.mode == "dense":
            return dense
        lexical = [self.table.lexical_search(text, where, depth) for text in queries]
        if asked.mode == "lexical":
            return lexical
        weights = (1.0, asked.lexical_weight)
        return [fuse(pair, weights) for pair in zip(dense, lexical, strict=True)]

    def _dense(
        self, matrix: np.ndarray, k: int, where: Where | None, nprobe: int
    ) -> list[list[tuple[int, float]]]:
        """(row, cosine) of each query's ``k`` nearest documents among those ``where`` selects; a
        compact index's candidates rescored with their float32 vectors from the database."""
        if self._index is None or not len(self._index):
            return [[] for _ in matrix]
        if matrix.shape[1] != self._index.dimension:
            raise AlignError(
                f"search: vectors of dimension {matrix.shape[1]}; the store's are {self._index.dimension}"
            )
        selection = self._selection(where) if where else None
        eligible = len(selection) if selection is not None else len(self._index)
        if not eligible:
            return [[] for _ in matrix]
        wanted = min(k * RESCORE if self._index.compact else k, eligible)
        scores, found = self._index.candidates(matrix, wanted, selection, nprobe)
        ranked = [
            [(int(row), float(score)) for score, row in zip(row_scores, row_ids, strict=True) if row >= 0]
            for row_scores, row_ids in zip(scores, found, strict=True)
        ]
        if not self._index.compact:
            return ranked
        return [self._rescored(query, found, k) for query, found in zip(matrix, ranked, strict=True)]

    def _rescored(
        self, query: np.ndarray, candidates: list[tuple[int, float]], k: int
    ) -> list[tuple[int, float]]:
        """The ``k`` best ``candidates`` by their exact cosines (their vectors read from the database)."""
        exact = [
            (int(row), float(score))
            for rows, vectors in self.table.vectors([row for row, _ in candidates])
            for row, score in zip(rows, vectors @ query, strict=True)
        ]
        return sorted(exact, key=lambda found: -found[1])[:k]

    def _hits(self, ranked: list[list[tuple[int, float]]]) -> list[list[Hit]]:
        documents = self.table.documents(sorted({row for found in ranked for row, _ in found}))
        return [
            [
                Hit(
                    documents[row].id,
                    documents[row].text,
                    score,
                    documents[row].metadata,
                    documents[row].lang,
                )
                for row, score in found
                if row in documents
            ]
            for found in ranked
        ]

    def get(self, identifier: str) -> Document | None:
        """The stored document ``identifier``, or None."""
        with self._lock.reading():
            rows = self.table.rows_of([str(identifier)])
            return self.table.documents(list(rows.values())).get(rows.get(str(identifier), -1))

    def languages(self) -> dict[str | None, int]:
        """How many documents each language has (None: not identified)."""
        with self._lock.reading():
            return self.table.languages()

    @property
    def index_description(self) -> str:
        """The index searched now: ``flat``, or a compact one's FAISS factory (``IVF1024,SQ8``)."""
        with self._lock.reading():
            return self._index.describe() if self._index is not None else FLAT

    def copy_to(self, directory: str | os.PathLike) -> None:
        """Copy the store into ``directory`` (new or empty): its database and its saved index, as
        they are now."""
        with self._lock.writing():
            self.save_index()
            target = Path(directory)
            target.mkdir(parents=True, exist_ok=True)
            self.table.backup_to(target / DATABASE_FILE)
            for saved in self.directory.glob(f"{INDEX_PREFIX}*{INDEX_SUFFIX}"):
                shutil.copyfile(saved, target / saved.name)

    def compact(self) -> bool:
        """Give back the space deleted and replaced documents left in the database (``close`` does
        it once they pass :data:`COMPACT_AT` of the file); False when another process has the
        store open and it must wait. The index needs none: FAISS removes vectors in place."""
        with self._lock.writing():
            return not self.readonly and self.table.compact()

    def close(self) -> None:
        """Save the index if it changed (:meth:`save_index`), compact the database when deleted
        documents take more than :data:`COMPACT_AT` of it, and close it."""
        with self._lock.writing():
            self.save_index()
            if not self.readonly and self.table.free_share() > COMPACT_AT:
                self.table.compact()
            self.table.close()
