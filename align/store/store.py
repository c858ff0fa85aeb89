"""A document store for retrieval apps: upserts and deletes by id, filters inside the search,
documents on disk, safe to share between threads and processes, consistent after a crash.

The SQLite database (:mod:`align.store.database`) holds everything, vectors included; the FAISS
index in memory (:mod:`align.store.vectors`: exact, or compact codes for millions of documents) is
derived from it and kept in step through the database's change log, so it is rebuilt or caught up
from the file whatever happened to the process that wrote it. Writes are
serialised by a lock (and across processes by SQLite); a search embeds its queries outside the
lock, then holds it only while it catches up and searches.
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from align.embedding.loading import as_embedder
from align.embedding.protocol import Embedder
from align.errors import AlignError
from align.extras import missing
from align.lid.config import NO_LID
from align.lid.identifiers import DEFAULT_IDENTIFIER
from align.model_source import recorded_model_name
from align.outputs import atomic_path
from align.store.config import MODES
from align.store.database import DATABASE_FILE, Document, DocumentTable
from align.store.filters import Where
from align.store.hit import Hit
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

AUTO = "auto"  # the lid= default: the one recorded, else fastText where the lid extra is installed
# Roles whose prompt a document is embedded with, in order of preference: e5's "passage: ", then a
# generic "document" prompt; a query is embedded with the "query" prompt where the model has one.
DOCUMENT_ROLES = ("passage", "document")
QUERY_ROLES = ("query",)
RRF_K = 60  # reciprocal rank fusion's constant (Cormack et al. 2009), as Qdrant and LanceDB use it
FUSION_DEPTH = 100  # candidates each ranking gives a hybrid search, at least
SELECTIONS_KEPT = 32  # filters whose rows are kept between searches
INDEX_PREFIX, INDEX_SUFFIX = "index-", ".faiss"  # index-SEQ.faiss: the index up to change SEQ


def _saved_change(path: Path) -> int:
    """The last change a saved index holds, from its name (``index-1234.faiss`` → 1234)."""
    try:
        return int(path.name[len(INDEX_PREFIX) : -len(INDEX_SUFFIX)])
    except ValueError:
        return -1


def fuse(*rankings: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """Rankings of (row, score) fused by reciprocal rank: each row scores Σ 1 / (RRF_K + rank)."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, (row, _) in enumerate(ranking, start=1):
            fused[row] = fused.get(row, 0.0) + 1.0 / (RRF_K + rank)
    return sorted(fused.items(), key=lambda item: -item[1])


def default_roles(prompts: Mapping[str, str]) -> tuple[str | None, str | None]:
    """The (query, document) roles whose prompts the model's own configuration offers."""
    query = next((role for role in QUERY_ROLES if role in prompts), None)
    document = next((role for role in DOCUMENT_ROLES if role in prompts), None)
    return query, document


def _unit_rows(vectors: np.ndarray, action: str) -> np.ndarray:
    """``vectors`` (a row, or one a row) as float32 rows of unit length: scores are cosines."""
    matrix = np.array(vectors, dtype=np.float32, ndmin=2)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    if not np.all(np.isfinite(norms)) or np.any(norms == 0):
        raise AlignError(f"{action}: a vector is zero or not finite; it has no direction to search by")
    return matrix / norms


class Store:
    """Documents with ids, languages and metadata, searched by meaning; see the module's docstring.

    ``model`` is needed to create a store and to embed texts; an existing store remembers its
    model's name and loads it when texts are first embedded. ``query_role`` and ``document_role``
    name the prompts queries and documents are embedded with (default: the model's own, e.g. e5's
    ``query: `` and ``passage: ``); they are recorded with the store.

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
        self.table = DocumentTable(self.directory / DATABASE_FILE, readonly=readonly)
        self._lock = threading.RLock()
        self._embedder = as_embedder(model) if model is not None else None
        # a local path recorded absolute, so the store opens its model from any directory
        self._recorded_name = (
            recorded_model_name(str(model))
            if isinstance(model, str | os.PathLike)
            else getattr(model, "name", None)
        )
        self._settle_model(query_role, document_role, readonly)
        self._settle_lid(lid, readonly)
        self._settle_index(index, readonly)
        self.nprobe = nprobe
        self._index: StoreIndex | None = None  # from the saved copy or the documents (_catch_up)
        self._seen = 0
        self._saved = 0
        self.readonly = readonly
        self._load_saved_index()
        # where filter (as JSON) → (change seen, its rows as a selection), newest last
        self._selections: OrderedDict[str, tuple[int, Selection]] = OrderedDict()
        self.refresh()

    # the model ------------------------------------------------------------------------------------

    def _settle_model(self, query_role: str | None, document_role: str | None, readonly: bool) -> None:
        """Record the model with a new store, or check it against the one recorded."""
        recorded = self.table.setting("model")
        if self._embedder is None:
            if recorded is None:
                raise AlignError(f"{self.directory}: a new store needs a model to embed its documents")
        elif recorded is None:
            if readonly:
                raise AlignError(f"{self.directory}: the store is empty and opened read-only")
            roles = default_roles(self._embedder.prompts)
            self.table.set_setting("model", self._recorded_name)
            self.table.set_setting("fingerprint", self._embedder.fingerprint())
            self.table.set_setting("dimension", self._embedder.dimension)
            self.table.set_setting("roles", {"query": roles[0], "document": roles[1]})
        elif self.table.setting("fingerprint") != self._embedder.fingerprint():
            raise AlignError(
                f"{self.directory}: the store was built with {recorded}, whose vectors differ from "
                f"{self._embedder.name}'s; open it without a model to use its own"
            )
        roles = self.table.setting("roles") or {}
        self.query_role = query_role if query_role is not None else roles.get("query")
        self.document_role = document_role if document_role is not None else roles.get("document")

    def _settle_lid(self, lid: str | None, readonly: bool) -> None:
        """The language identifier documents without a language are identified with: recorded
        with a new store (by default fastText's lid.176 where the lid extra is installed)."""
        recorded = self.table.setting("lid")  # NO_LID when the store identifies no languages
        if lid == AUTO:
            lid = recorded if recorded is not None else (NO_LID if missing("lid") else DEFAULT_IDENTIFIER)
        lid = lid or NO_LID
        if lid != recorded and not readonly:
            self.table.set_setting("lid", lid)
        self.lid = None if lid == NO_LID else lid
        self._identifier = None

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

    def identify(self, texts: Sequence[str]) -> list[str | None]:
        """The language of each text by the store's identifier (None for all without one)."""
        if self.lid is None:
            return [None] * len(texts)
        with self._lock:
            if self._identifier is None:
                from align.lid import load_identifier

                self._identifier = load_identifier(self.lid)
            identifier = self._identifier
        return [found.language for found in identifier.identify(texts)]

    @property
    def embedder(self) -> Embedder:
        """The store's model, loaded from its recorded name on first use."""
        with self._lock:
            if self._embedder is None:
                self._embedder = as_embedder(self.table.setting("model"))
            return self._embedder

    # writes -------------------------------------------------------------------------------------

    def upsert(
        self,
        ids: Sequence[str],
        texts: Sequence[str],
        metadata: Sequence[Mapping[str, Any]] | None = None,
        langs: Sequence[str | None] | None = None,
        vectors: np.ndarray | None = None,
    ) -> int:
        """Add documents, replacing those whose id is already stored; return how many were written.

        Without ``langs``, each text's language is identified (:meth:`identify`); without
        ``vectors`` (a row a document, by the store's model), the texts are embedded. The batch is
        one transaction: after a crash it is stored whole or not at all."""
        ids = [str(identifier) for identifier in ids]
        texts = list(texts)
        metadata = [dict(entry) for entry in metadata] if metadata is not None else [{} for _ in ids]
        langs = list(langs) if langs is not None else self.identify(texts)
        if not len(ids) == len(texts) == len(metadata) == len(langs):
            raise AlignError(
                f"upsert: {len(ids)} ids, {len(texts)} texts, {len(metadata)} metadata and {len(langs)} "
                "languages; give one of each per document"
            )
        if len(set(ids)) != len(ids):
            repeated = sorted({identifier for identifier in ids if ids.count(identifier) > 1})[:3]
            raise AlignError(f"upsert: the batch holds the same id more than once ({', '.join(repeated)})")
        if not ids:
            return 0
        vectors = self._document_vectors(texts, vectors)
        documents = [Document(*fields) for fields in zip(ids, texts, langs, metadata, strict=True)]
        with self._lock:
            self.table.upsert(documents, vectors)
            self._catch_up()
        return len(documents)

    def _document_vectors(self, texts: list[str], given: np.ndarray | None) -> np.ndarray:
        """The texts embedded, or the ``given`` vectors checked and scaled to unit length (scores
        are cosines)."""
        if given is None:
            return self.embedder(texts, role=self.document_role)
        vectors = _unit_rows(given, "upsert")
        dimension = self.table.setting("dimension")
        if vectors.shape != (len(texts), dimension):
            raise AlignError(
                f"upsert: vectors of shape {vectors.shape} for {len(texts)} documents; the store's "
                f"vectors have {dimension} dimensions, one row a document"
            )
        return vectors

    def delete(self, ids: Sequence[str]) -> int:
        """Remove the documents ``ids``; return how many there were (an unknown id is no error)."""
        with self._lock:
            removed = self.table.delete([str(identifier) for identifier in ids])
            self._catch_up()
        return len(removed)

    # reads ----------------------------------------------------------------------------------------

    def __len__(self) -> int:
        with self._lock:
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
        with self._lock:
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
        with self._lock:
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
            factory = compact_factory(count, dimension)
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
        with self._lock:
            self._rebuild()

    def search(
        self,
        query: str | Sequence[str] | None = None,
        *,
        vector: np.ndarray | None = None,
        k: int = 10,
        where: Where | None = None,
        min_score: float | None = None,
        mode: str = "dense",
        other_languages: bool = False,
        nprobe: int | None = None,
    ) -> list[Hit] | list[list[Hit]]:
        """The ``k`` best documents for a query (a list of hits) or for each of several, by text or
        by ``vector`` (one row or a matrix). ``where`` filters inside the search, so k hits come back
        whenever k documents match; ``min_score`` drops hits scoring below it.

        ``mode``: ``dense`` ranks by cosine (the score); ``lexical`` by BM25 over the documents' words
        (:mod:`align.store.lexical`; the score is BM25's); ``hybrid`` fuses the two rankings by
        reciprocal rank fusion (the score is the fused one, Σ 1 / (60 + rank)).

        ``other_languages``: only documents in a language other than the query's own (identified
        by the store's identifier): the cross-lingual case, where a query's own-language documents
        would otherwise crowd out its translations.

        ``nprobe``: lists a compact index scans (default: the store's ``nprobe``)."""
        if mode not in MODES:
            raise AlignError(f"search: mode must be one of {', '.join(MODES)}, got {mode!r}")
        if (query is None) == (vector is None):
            raise AlignError("search: give a query or a vector, not both")
        if vector is not None and mode != "dense":
            raise AlignError(f"search: a {mode} search needs a query's text, not a vector")
        if k < 1:
            raise AlignError(f"search: k must be at least 1, got {k}")
        single = isinstance(query, str) or (vector is not None and np.ndim(vector) == 1)
        queries: list[str] = []
        if query is not None:
            queries = [query] if isinstance(query, str) else list(query)
            for number, text in enumerate(queries, start=1):
                if not text.strip():
                    raise AlignError(f"search: query {number} is empty: there is nothing to search for")
        matrix = None
        if vector is not None:
            matrix = _unit_rows(vector, "search")
        elif mode != "lexical":
            matrix = self.embedder(queries, role=self.query_role)
        count = len(queries) if query is not None else len(matrix)
        groups = [(slice(0, count), where)]  # queries searched together, under one filter
        if other_languages:
            if query is None or (where and "lang" in where):
                raise AlignError("search: other_languages needs a query's text, and no lang filter beside it")
            languages = self.identify(queries)
            groups = [
                (slice(n, n + 1), {**(where or {}), "lang": {"$ne": lang}} if lang else where)
                for n, lang in enumerate(languages)
            ]
        depth = k if mode == "dense" else max(k, FUSION_DEPTH)
        ranked: list[list[tuple[int, float]]] = []
        with self._lock:
            self._catch_up()
            for part, condition in groups:
                part_matrix = matrix[part] if matrix is not None else None
                ranked += self._ranked(part_matrix, queries[part], condition, depth, mode, nprobe)
            results = self._hits([found[:k] for found in ranked], min_score)
        return results[0] if single else results

    def _selection(self, where: Where) -> Selection:
        """The rows ``where`` selects, kept for the next search with the same filter and brought up
        to date from the change log (only new rows are read)."""
        key = json.dumps(where, sort_keys=True, default=str)
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
        with self._lock:
            self.table.index_field(name)

    def _ranked(
        self,
        matrix: np.ndarray | None,
        queries: list[str],
        where: Where | None,
        depth: int,
        mode: str,
        nprobe: int | None,
    ) -> list[list[tuple[int, float]]]:
        """(row, score) rankings of the queries (or vectors) under one filter, by ``mode``."""
        dense = self._dense(matrix, depth, where, nprobe or self.nprobe) if matrix is not None else []
        if mode == "dense":
            return dense
        lexical = [self.table.lexical_search(text, where, depth) for text in queries]
        return lexical if mode == "lexical" else [fuse(d, w) for d, w in zip(dense, lexical, strict=True)]

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

    def _hits(self, ranked: list[list[tuple[int, float]]], min_score: float | None) -> list[list[Hit]]:
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
                if row in documents and (min_score is None or score >= min_score)
            ]
            for found in ranked
        ]

    def get(self, identifier: str) -> Document | None:
        """The stored document ``identifier``, or None."""
        with self._lock:
            rows = self.table.rows_of([str(identifier)])
            return self.table.documents(list(rows.values())).get(rows.get(str(identifier), -1))

    def close(self) -> None:
        """Save the index if it changed (:meth:`save_index`) and close the database."""
        with self._lock:
            self.save_index()
            self.table.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
