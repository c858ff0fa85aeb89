"""The store's API over a Qdrant collection: for documents past one machine (a Qdrant server or
cluster), or in-process with Qdrant's local mode.

    QdrantStore("http://localhost:6333", "faq", "models/en-zh")  # a server (api_key= or QDRANT_API_KEY)
    QdrantStore("faq-qdrant", "faq", "models/en-zh")             # local mode: a directory
    QdrantStore(":memory:", "faq", model)                         # local mode, in memory

A document is a point. Its id is a UUID derived from the document's id (Qdrant takes integers and
UUIDs only, so the id itself travels in the payload); its payload is ``{"id", "text", "lang",
"metadata"}``; it has a dense vector (cosine) and a sparse one of its terms
(:mod:`align.store.lexical`, hashed to indices, weighted by BM25's term-frequency saturation;
Qdrant applies the IDF). ``where`` filters become Qdrant's own conditions and run inside its
search; ``hybrid`` is Qdrant's weighted reciprocal rank fusion of the dense and lexical rankings
(the same formula as :mod:`align.store.fusion`). The model,
its fingerprint and the prompt roles are kept in the collection's metadata, so any process that
opens the collection embeds as its writer did.
"""

from __future__ import annotations

import os
import uuid
import zlib
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from align.embedding.protocol import Embedder
from align.errors import AlignError
from align.extras import require
from align.store.base import AUTO, Asked, DocumentStore, Group
from align.store.filters import COLUMNS, Where, to_sql
from align.store.fusion import RRF_K
from align.store.hit import Document, Hit
from align.store.lexical import terms

DENSE, LEXICAL = "dense", "lexical"  # the collection's named vectors
IDS = uuid.UUID("5b7e1f0c-3d0a-4c8e-9a51-6f2b1e0d7a93")  # the namespace point ids are derived in
BM25_K1 = 1.2  # BM25's term-frequency saturation (documents' lengths are not normalised: b = 0)
UPSERT_BATCH = 256  # points a request


def point_id(identifier: str) -> str:
    """The point id of the document ``identifier``: the same UUID in every process."""
    return str(uuid.uuid5(IDS, identifier))


def sparse_terms(text: str) -> tuple[list[int], list[float]]:
    """(indices, weights) of ``text``'s terms: each term hashed to 32 bits, weighted by BM25's
    saturation of its count, tf·(k1+1)/(tf+k1) (terms whose hashes collide count together)."""
    counts = Counter(zlib.crc32(term.encode("utf-8")) for term in terms(text))
    indices = sorted(counts)
    return indices, [counts[index] * (BM25_K1 + 1) / (counts[index] + BM25_K1) for index in indices]


def to_filter(where: Where | None) -> Any:
    """``where`` (:mod:`align.store.filters`) as a Qdrant filter, the same documents selected."""
    from qdrant_client import models

    if not where:
        return None
    to_sql(where)  # refuses unknown operators, odd names and values, naming them
    must: list[Any] = []
    must_not: list[Any] = []
    for key, condition in where.items():
        field = key if key in COLUMNS else f"metadata.{key}"
        if not isinstance(condition, Mapping):
            condition = {"$eq": condition}
        for operator, value in condition.items():
            if operator in ("$eq", "$ne"):
                matched = (
                    models.IsEmptyCondition(is_empty=models.PayloadField(key=field))
                    if value is None
                    else _equal(field, value)
                )
                (must if operator == "$eq" else must_not).append(matched)
            elif operator in ("$in", "$nin"):
                values = list(value)
                if not all(isinstance(item, str) or _is_integer(item) for item in values):
                    raise AlignError(
                        f"where: {key}: {operator} in Qdrant takes strings or integers, got {value!r}"
                    )
                matched = models.FieldCondition(key=field, match=models.MatchAny(any=values))
                (must if operator == "$in" else must_not).append(matched)
            else:  # $gt, $gte, $lt, $lte
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise AlignError(f"where: {key}: Qdrant compares ranges of numbers only, got {value!r}")
                must.append(models.FieldCondition(key=field, range=models.Range(**{operator[1:]: value})))
    return models.Filter(must=must or None, must_not=must_not or None)


def _sparse_vector(text: str) -> Any:
    from qdrant_client import models

    indices, values = sparse_terms(text)
    return models.SparseVector(indices=indices, values=values)


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _equal(field: str, value: Any) -> Any:
    """A condition: ``field`` equals ``value`` (a float by a closed range: Qdrant matches no floats)."""
    from qdrant_client import models

    if isinstance(value, float):
        return models.FieldCondition(key=field, range=models.Range(gte=value, lte=value))
    return models.FieldCondition(key=field, match=models.MatchValue(value=value))


def qdrant_client(location: str | os.PathLike, api_key: str | None = None) -> Any:
    """A client for ``location``: a server's URL, ``:memory:``, or a local-mode directory."""
    require("qdrant", "a Qdrant store")
    from qdrant_client import QdrantClient

    location = str(location)
    if location.startswith(("http://", "https://")):
        return QdrantClient(url=location, api_key=api_key or os.environ.get("QDRANT_API_KEY"))
    if location == ":memory:":
        return QdrantClient(location=location)
    return QdrantClient(path=location)


class QdrantStore(DocumentStore):
    """The store's API over the Qdrant collection ``collection`` at ``location``; see the module's
    docstring, and :class:`align.store.base.DocumentStore` for ``model``, the roles and ``lid``.
    ``client`` passes a ``QdrantClient`` already made (then ``location`` only names it)."""

    def __init__(
        self,
        location: str | os.PathLike,
        collection: str = "documents",
        model: Embedder | str | None = None,
        *,
        readonly: bool = False,
        query_role: str | None = None,
        document_role: str | None = None,
        lid: str | None = AUTO,
        api_key: str | None = None,
        client: Any = None,
        settings: Mapping[str, Any] | None = None,
        collection_options: Mapping[str, Any] | None = None,
    ) -> None:
        """``settings``: those of a store being copied (its model, fingerprint, dimension, roles
        and identifier), recorded with a new collection so that no model need load.
        ``collection_options`` go to Qdrant's ``create_collection`` when the collection is made
        (on a cluster: ``shard_number``, ``replication_factor``; ``on_disk_payload``, ...)."""
        self.client = client if client is not None else qdrant_client(location, api_key)
        self.collection = collection
        self.where_label = f"{location} (Qdrant collection {collection})"
        self._collection_options = dict(collection_options or {})
        exists = self.client.collection_exists(collection)
        if readonly and not exists:
            raise AlignError(f"{self.where_label}: no such collection")
        self._settings: dict[str, Any] = (
            dict(self.client.get_collection(collection).config.metadata or {}) if exists else {}
        )
        if settings and not self._settings:
            self._record(dict(settings))
        roles = {"query_role": query_role, "document_role": document_role}
        self._open(model, readonly=readonly, lid=lid, **roles)

    # settings -------------------------------------------------------------------------------------

    def setting(self, key: str) -> Any:
        return self._settings.get(key)

    def _record(self, settings: dict[str, Any]) -> None:
        """Keep ``settings`` in the collection's metadata; the collection is made with the first
        ones that give the vectors' dimension."""
        from qdrant_client import models

        self._settings.update(settings)
        if self.client.collection_exists(self.collection):
            self.client.update_collection(self.collection, metadata=self._settings)
        elif "dimension" in self._settings:
            self.client.create_collection(
                self.collection,
                vectors_config={
                    DENSE: models.VectorParams(
                        size=self._settings["dimension"], distance=models.Distance.COSINE
                    )
                },
                sparse_vectors_config={LEXICAL: models.SparseVectorParams(modifier=models.Modifier.IDF)},
                metadata=self._settings,
                **self._collection_options,
            )

    # writes -------------------------------------------------------------------------------------

    def _write(self, documents: list[Document], vectors: np.ndarray) -> None:
        from qdrant_client import models

        points = [
            models.PointStruct(
                id=point_id(document.id),
                vector={DENSE: vector.tolist(), LEXICAL: _sparse_vector(document.text)},
                payload={
                    "id": document.id,
                    "text": document.text,
                    "lang": document.lang,
                    "metadata": document.metadata,
                },
            )
            for document, vector in zip(documents, vectors, strict=True)
        ]
        for start in range(0, len(points), UPSERT_BATCH):
            self.client.upsert(self.collection, points[start : start + UPSERT_BATCH], wait=True)

    def _remove(self, ids: list[str]) -> int:
        from qdrant_client import models

        points = [point_id(identifier) for identifier in ids]
        present = self.client.retrieve(self.collection, ids=points, with_payload=False, with_vectors=False)
        if present:
            selector = models.PointIdsList(points=[point.id for point in present])
            self.client.delete(self.collection, points_selector=selector, wait=True)
        return len(present)

    # reads ----------------------------------------------------------------------------------------

    def __len__(self) -> int:
        if not self.client.collection_exists(self.collection):
            return 0
        return self.client.count(self.collection, exact=True).count

    def get(self, identifier: str) -> Document | None:
        found = self.client.retrieve(self.collection, ids=[point_id(str(identifier))], with_payload=True)
        if not found:
            return None
        payload = found[0].payload
        return Document(payload["id"], payload["text"], payload.get("lang"), payload.get("metadata") or {})

    def _before_search(self) -> None:
        """Nothing: Qdrant searches what it holds."""

    def _found(
        self, matrix: np.ndarray | None, queries: list[str], groups: list[Group], asked: Asked
    ) -> list[list[Hit]]:
        if asked.nprobe is not None:
            raise AlignError(
                "search: nprobe is for a compact align store; Qdrant searches its own HNSW graph"
            )
        if not len(self):
            return [[] for _ in range(len(queries) if matrix is None else len(matrix))]
        found: list[list[Hit]] = []
        for part, where in groups:
            condition = to_filter(where)
            for number in range(part.start, part.stop):
                dense = matrix[number].tolist() if matrix is not None else None
                request = _request(dense, queries[number] if queries else "", condition, asked)
                if request is None:
                    found.append([])
                    continue
                points = self.client.query_points(
                    self.collection, **request, query_filter=condition, limit=asked.k, with_payload=True
                ).points
                found.append([_hit(point) for point in points])
        return found

    def close(self) -> None:
        self.client.close()


def _request(dense: list[float] | None, text: str, condition: Any, asked: Asked) -> dict[str, Any] | None:
    """What Qdrant's ``query_points`` is asked for one query, besides the filter and the limit (each
    ranking a hybrid search fuses is filtered too); None when a lexical search has no terms."""
    from qdrant_client import models

    if asked.mode == "dense":
        return {"query": dense, "using": DENSE}
    lexical = _sparse_vector(text)
    if asked.mode == "lexical":
        return {"query": lexical, "using": LEXICAL} if lexical.indices else None
    prefetch = [models.Prefetch(query=dense, using=DENSE, filter=condition, limit=asked.depth)]
    if lexical.indices:
        prefetch.append(models.Prefetch(query=lexical, using=LEXICAL, filter=condition, limit=asked.depth))
    # Qdrant's weighted RRF ranks from 0: its k is ours plus one (align.store.fusion)
    weights = [1.0, asked.lexical_weight][: len(prefetch)]
    return {"prefetch": prefetch, "query": models.RrfQuery(rrf=models.Rrf(k=RRF_K + 1, weights=weights))}


def _hit(point: Any) -> Hit:
    payload = point.payload
    return Hit(
        payload["id"], payload["text"], float(point.score), payload.get("metadata") or {}, payload.get("lang")
    )


def copy_to_qdrant(
    store: str | os.PathLike,
    location: str | os.PathLike,
    collection: str = "documents",
    *,
    api_key: str | None = None,
    force: bool = False,
) -> str:
    """Copy the store made by ``align index`` at ``store`` into the Qdrant collection ``collection``
    at ``location`` (a server's URL or a local-mode directory), vectors and all: no model loads.
    An existing collection is replaced only with ``force``. Say what was done."""
    from tqdm.auto import tqdm

    from align.store.database import DATABASE_FILE, DocumentTable

    if not (Path(store) / DATABASE_FILE).is_file():
        raise AlignError(f"{store} is not a store made by align index")
    client = qdrant_client(location, api_key)
    if client.collection_exists(collection):
        if not force:
            raise AlignError(
                f"{location}: the collection {collection!r} already exists; pass --force to replace it"
            )
        client.delete_collection(collection)
    table = DocumentTable(Path(store) / DATABASE_FILE, readonly=True)
    try:
        settings = {key: table.setting(key) for key in ("model", "fingerprint", "dimension", "roles", "lid")}
        target = QdrantStore(location, collection, client=client, settings=settings)
        count = len(table)
        with tqdm(total=count, desc="Copying", unit=" documents", disable=count < 10_000) as bar:
            for documents, vectors in table.documents_with_vectors():
                target._write(documents, vectors)
                bar.update(len(documents))
        total = len(target)
        target.close()
    finally:
        table.close()
    return f"Copied {count:,} documents from {store} into {collection!r} at {location} ({total:,} there)"
