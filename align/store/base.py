"""What every document store shares, whatever keeps its documents: the model and its prompts by
role, languages identified on the way in, and the checks on what is written and asked.

:class:`align.store.Store` keeps documents in SQLite beside a FAISS index on one machine;
:class:`align.store.qdrant.QdrantStore` keeps them in a Qdrant collection (local mode, a server or a
cluster). Both answer the same calls — ``upsert``, ``delete``, ``get``, ``len``, ``search`` — with
the same arguments and the same plain results.
"""

from __future__ import annotations

import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from align.embedding.loading import as_embedder, embedder_of
from align.embedding.protocol import Embedder
from align.encode import model_fingerprint, same_fingerprint
from align.errors import AlignError
from align.extras import missing
from align.lid.config import NO_LID
from align.lid.identifiers import DEFAULT_IDENTIFIER
from align.model_source import recorded_model_name
from align.store.config import MODES
from align.store.filters import Where
from align.store.hit import Document, Hit
from align.store.locks import SharedLock

AUTO = "auto"  # the lid= default: the one recorded, else fastText where the lid extra is installed
# Roles whose prompt a document is embedded with, in order of preference: e5's "passage: ", then a
# generic "document" prompt; a query is embedded with the "query" prompt where the model has one.
DOCUMENT_ROLES = ("passage", "document")
QUERY_ROLES = ("query",)
FUSION_DEPTH = 100  # candidates each ranking gives a hybrid search, at least

LEXICAL_WEIGHT = 1.0  # the lexical ranking's weight in a hybrid search (align.store.fusion)

# queries searched together under one filter: (which of the queries, the filter)
Group = tuple[slice, Where | None]


@dataclass(frozen=True)
class Asked:
    """How a search ranks, beside its queries and filters (see :meth:`DocumentStore.search`)."""

    k: int
    mode: str
    nprobe: int | None
    lexical_weight: float

    @property
    def depth(self) -> int:
        """Candidates each ranking gives: k, or at least FUSION_DEPTH where rankings are fused."""
        return self.k if self.mode == "dense" else max(self.k, FUSION_DEPTH)


def default_roles(prompts: Mapping[str, str]) -> tuple[str | None, str | None]:
    """The (query, document) roles whose prompts the model's own configuration offers."""
    query = next((role for role in QUERY_ROLES if role in prompts), None)
    document = next((role for role in DOCUMENT_ROLES if role in prompts), None)
    return query, document


def unit_rows(vectors: np.ndarray, action: str) -> np.ndarray:
    """``vectors`` (a row, or one a row) as float32 rows of unit length: scores are cosines."""
    matrix = np.array(vectors, dtype=np.float32, ndmin=2)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    if not np.all(np.isfinite(norms)) or np.any(norms == 0):
        raise AlignError(f"{action}: a vector is zero or not finite; it has no direction to search by")
    return matrix / norms


class DocumentStore(ABC):
    """Documents with ids, languages and metadata, searched by meaning; a subclass keeps them.

    ``model`` is needed to create a store and to embed texts; an existing store remembers its
    model's name and loads it when texts are first embedded. ``query_role`` and ``document_role``
    name the prompts queries and documents are embedded with (default: the model's own, e.g. e5's
    ``query: `` and ``passage: ``); they are recorded with the store. ``lid`` names the language
    identifier documents without a language are identified with (recorded; None for none).
    """

    where_label: str  # what the store is, for messages: its directory or its collection

    def _open(
        self,
        model: Embedder | str | os.PathLike | None,
        *,
        readonly: bool,
        query_role: str | None,
        document_role: str | None,
        lid: str | None,
    ) -> None:
        """Settle the model and the identifier against the settings recorded; a subclass calls it
        once its settings can be read."""
        # searches share it, changes take it alone (align.store.locks); _loading guards lazy loads
        self._lock = SharedLock()
        self._loading = threading.Lock()
        self.readonly = readonly
        self._embedder = (
            embedder_of(model, "a sentence-transformers model object") if model is not None else None
        )
        # a local path recorded absolute, so the store opens its model from any directory
        self._recorded_name = (
            recorded_model_name(str(model))
            if isinstance(model, str | os.PathLike)
            else getattr(model, "name", None)
        )
        self._settle_model(query_role, document_role)
        self._settle_lid(lid)

    # what a subclass keeps -----------------------------------------------------------------------

    @abstractmethod
    def setting(self, key: str) -> Any:
        """A value recorded with the store (None when unset)."""

    @abstractmethod
    def _record(self, settings: dict[str, Any]) -> None:
        """Record ``settings`` with the store."""

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def _write(self, documents: list[Document], vectors: np.ndarray) -> None:
        """Store ``documents`` (ids new or replaced) with their vectors, all or none."""

    @abstractmethod
    def _remove(self, ids: list[str]) -> int:
        """Remove the documents ``ids``; how many there were."""

    @abstractmethod
    def get(self, identifier: str) -> Document | None:
        """The stored document ``identifier``, or None."""

    @abstractmethod
    def _found(
        self, matrix: np.ndarray | None, queries: list[str], groups: list[Group], asked: Asked
    ) -> list[list[Hit]]:
        """Each query's best hits as ``asked``, each group of queries under its own filter."""

    @abstractmethod
    def _before_search(self) -> None:
        """Whatever must change before searches read (the lock not held): bringing an index up
        to date, for a store that keeps one."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> DocumentStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # the model and the languages ----------------------------------------------------------------

    def _settle_model(self, query_role: str | None, document_role: str | None) -> None:
        """Record the model with a new store, or check it against the one recorded."""
        recorded = self.setting("model")
        if self._embedder is None:
            if self.setting("fingerprint") is None:
                raise AlignError(f"{self.where_label}: a new store needs a model to embed its documents")
            if recorded is None:
                raise AlignError(
                    f"{self.where_label} was built from a model object, not a name or path; pass the model"
                )
        elif self.setting("fingerprint") is None:
            if self.readonly:
                raise AlignError(f"{self.where_label}: the store is empty and opened read-only")
            roles = default_roles(self._embedder.prompts)
            self._record(
                {
                    "model": self._recorded_name,
                    "fingerprint": model_fingerprint(self._embedder),
                    "dimension": self._embedder.dimension,
                    "roles": {"query": roles[0], "document": roles[1]},
                }
            )
        elif not same_fingerprint(self.setting("fingerprint"), model_fingerprint(self._embedder)):
            raise AlignError(
                f"{self.where_label}: the store was built with {recorded}, whose vectors differ from "
                f"{self._embedder.name}'s; open it without a model to use its own"
            )
        roles = self.setting("roles") or {}
        self.query_role = query_role if query_role is not None else roles.get("query")
        self.document_role = document_role if document_role is not None else roles.get("document")

    def _settle_lid(self, lid: str | None) -> None:
        """The language identifier documents without a language are identified with: recorded
        with a new store (by default fastText's lid.176 where the lid extra is installed)."""
        recorded = self.setting("lid")  # NO_LID when the store identifies no languages
        if lid == AUTO:
            lid = recorded if recorded is not None else (NO_LID if missing("lid") else DEFAULT_IDENTIFIER)
        lid = lid or NO_LID
        if lid != recorded and not self.readonly:
            self._record({"lid": lid})
        self.lid = None if lid == NO_LID else lid
        self._identifier = None

    def identify(self, texts: Sequence[str]) -> list[str | None]:
        """The language of each text by the store's identifier (None for all without one)."""
        if self.lid is None:
            return [None] * len(texts)
        with self._loading:
            if self._identifier is None:
                from align.lid import load_identifier

                self._identifier = load_identifier(self.lid)
            identifier = self._identifier
        return [found.language for found in identifier.identify(texts)]

    @property
    def embedder(self) -> Embedder:
        """The store's model, loaded from its recorded name on first use."""
        with self._loading:
            if self._embedder is None:
                self._embedder = as_embedder(self.setting("model"))
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
        with self._lock.writing():
            self._write(documents, vectors)
        return len(documents)

    def _document_vectors(self, texts: list[str], given: np.ndarray | None) -> np.ndarray:
        """The texts embedded, or the ``given`` vectors checked and scaled to unit length."""
        if given is None:
            return self.embedder(texts, role=self.document_role)
        vectors = unit_rows(given, "upsert")
        dimension = self.setting("dimension")
        if vectors.shape != (len(texts), dimension):
            raise AlignError(
                f"upsert: vectors of shape {vectors.shape} for {len(texts)} documents; the store's "
                f"vectors have {dimension} dimensions, one row a document"
            )
        return vectors

    def delete(self, ids: Sequence[str]) -> int:
        """Remove the documents ``ids``; return how many there were (an unknown id is no error)."""
        with self._lock.writing():
            return self._remove([str(identifier) for identifier in ids])

    # reads ----------------------------------------------------------------------------------------

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
        lexical_weight: float = LEXICAL_WEIGHT,
    ) -> list[Hit] | list[list[Hit]]:
        """The ``k`` best documents for a query (a list of hits) or for each of several, by text or
        by ``vector`` (one row or a matrix). ``where`` filters inside the search, so k hits come back
        whenever k documents match; ``min_score`` drops hits scoring below it.

        ``mode``: ``dense`` ranks by cosine (the score); ``lexical`` by BM25 over the documents' words
        (:mod:`align.store.lexical`; the score is BM25's); ``hybrid`` fuses the two rankings by
        reciprocal rank fusion, the lexical one weighted ``lexical_weight`` (:mod:`align.store.fusion`;
        the score is the fused one).

        ``other_languages``: only documents in a language other than the query's own (identified
        by the store's identifier): the cross-lingual case, where a query's own-language documents
        would otherwise crowd out its translations.

        ``nprobe``: lists a compact index scans (:class:`align.store.Store`; default: its own)."""
        if mode not in MODES:
            raise AlignError(f"search: mode must be one of {', '.join(MODES)}, got {mode!r}")
        if (query is None) == (vector is None):
            raise AlignError("search: give a query or a vector, not both")
        if vector is not None and mode != "dense":
            raise AlignError(f"search: a {mode} search needs a query's text, not a vector")
        if k < 1:
            raise AlignError(f"search: k must be at least 1, got {k}")
        if not lexical_weight > 0:
            raise AlignError(f"search: lexical_weight must be above 0, got {lexical_weight}")
        single = isinstance(query, str) or (vector is not None and np.ndim(vector) == 1)
        queries: list[str] = []
        if query is not None:
            queries = [query] if isinstance(query, str) else list(query)
            for number, text in enumerate(queries, start=1):
                if not text.strip():
                    raise AlignError(f"search: query {number} is empty: there is nothing to search for")
        matrix = None
        if vector is not None:
            matrix = unit_rows(vector, "search")
        elif mode != "lexical":
            matrix = self.embedder(queries, role=self.query_role)
        count = len(queries) if query is not None else len(matrix)
        groups: list[Group] = [(slice(0, count), where)]
        if other_languages:
            if query is None or (where and "lang" in where):
                raise AlignError("search: other_languages needs a query's text, and no lang filter beside it")
            groups = [
                (slice(n, n + 1), {**(where or {}), "lang": {"$ne": lang}} if lang else where)
                for n, lang in enumerate(self.identify(queries))
            ]
        self._before_search()
        with self._lock.reading():
            found = self._found(matrix, queries, groups, Asked(k, mode, nprobe, lexical_weight))
        if min_score is not None:
            found = [[hit for hit in hits if hit.score >= min_score] for hits in found]
        return found[0] if single else found
