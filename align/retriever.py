"""Cross-lingual retrieval for applications: add documents in any language, search in another.

    retriever = Retriever(model)
    retriever.add(["火车站在哪里？", "我头疼。"], ids=["q1", "q2"])
    retriever.search("Where is the station?", k=1)   # [Hit(id='q1', text='火车站在哪里？', score=0.91)]
    retriever.save("my-index")
    retriever = Retriever.load("my-index")           # loads the model it was built with

By default the documents live in a document store (:class:`align.store.Store`), which ``save``
copies and ``load`` opens in place. With ``precision`` or ``factory``, documents are buffered until
the first search (or ``build``), then indexed whole with that FAISS index (read-only once saved);
later additions are appended to it at the next search.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from align.embedding.loading import as_embedder
from align.encode import Encoder, encode_texts, model_fingerprint
from align.errors import AlignError, InputFormatError
from align.files import MAX_LINE_CHARS, iter_lines
from align.index.precision import COMPACT_FILE, VECTORS_FILE, CompactIndex
from align.index.settings import DEFAULT_NPROBE, check_factory
from align.index.vectors import VectorIndex, check_fingerprint
from align.model_source import check_model_source, recorded_model_name
from align.outputs import atomic_path, check_output, verify_manifest
from align.precision import PRECISIONS
from align.sentences import read_collection
from align.store.database import DATABASE_FILE
from align.store.filters import Where
from align.store.hit import Hit
from align.store.store import Store
from align.store.vectors import COMPACT

DOCUMENTS_FILE = "documents.jsonl"


def read_documents(path: Path, expected: int) -> list[dict[str, Any]]:
    """The records of ``documents.jsonl``, checked line by line and against the index's count."""
    records = []
    for number, line in iter_lines(path, hint=None):
        try:
            record = json.loads(line or "")
            if not isinstance(record, dict) or not {"id", "text", "metadata"} <= set(record):
                raise ValueError("a record needs id, text and metadata")
        except (ValueError, RecursionError) as error:
            raise InputFormatError(path, f"not a document record ({error})", number) from None
        records.append(record)
    if len(records) != expected:
        raise InputFormatError(
            path, f"holds {len(records):,} documents but the index holds {expected:,}: it was edited"
        )
    return records


JSON_TYPES = "use str, int, float, bool, None, lists and dicts"


def _a(value: Any) -> str:
    """``value``'s type with its article, as a message names it: "a set", "an int", "a datetime.date"."""
    if value is None:
        return "None"
    kind = type(value)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def _json_problem(value: Any) -> str | None:
    """Why ``json.dumps`` (as :meth:`Retriever.save` calls it) cannot write ``value``, or ``None``."""
    culprits: list[Any] = []

    def refuse(item: Any) -> Any:  # called by json.dumps for each value it has no JSON form for
        culprits.append(item)
        raise TypeError

    try:
        json.dumps(value, ensure_ascii=False, default=refuse)
    except (TypeError, ValueError, RecursionError) as error:
        if culprits:
            held = "is" if culprits[0] is value else "holds"
            return f"{held} {_a(culprits[0])}, which JSON cannot hold; {JSON_TYPES}"
        if isinstance(error, RecursionError):
            return "is nested too deeply to be written as JSON"
        return f"cannot be written as JSON ({error})"  # a circular reference, a tuple as a key
    return None


def check_metadata(ids: Sequence[str], metadata: Sequence[Any]) -> None:
    """Raise :class:`AlignError` naming the first entry that :meth:`Retriever.save` could not write.

    Each entry must be a dict with string keys (JSON would turn ``1`` into ``"1"``, so a hit's
    metadata would change on save and load) whose values ``json.dumps`` can write.
    """
    for number, (doc_id, entry) in enumerate(zip(ids, metadata, strict=True), start=1):
        where = f"metadata of document {number} (id {doc_id!r})"
        if not isinstance(entry, dict):
            raise AlignError(f"{where}: {_a(entry)}, not a dict (metadata is one dict a document)")
        if not entry or (_json_problem(entry) is None and all(isinstance(key, str) for key in entry)):
            continue
        for key, value in entry.items():  # the first key to blame: cheap, as the dict is small
            if not isinstance(key, str):
                written = (
                    "" if _json_problem({key: None}) else f" (save() would write it as {json.dumps(key)!r})"
                )
                raise AlignError(f"{where}: the key {key!r} is {_a(key)}; JSON keys are strings{written}")
            problem = _json_problem(value)
            if problem is not None:
                raise AlignError(f"{where}: the value of {key!r} {problem}")
        raise AlignError(f"{where}: {_json_problem(entry)}")  # e.g. the dict holds itself


class Retriever:
    """An encoder and the documents it searches, for applications that want four calls: ``add``,
    ``search``, ``save``, ``load``.

    By default the documents live in a document store (:class:`align.store.Store`: an id added
    again replaces its document; exact search, compact codes from 100k documents), in a temporary
    directory until :meth:`save` copies it; :meth:`load` opens a saved store where it is, so what
    is added afterwards is kept there. With a compact ``precision`` or a FAISS ``factory``, a
    read-only index is built whole instead (:mod:`align.index`).
    """

    def __init__(
        self,
        model: Encoder | str,
        *,
        factory: str | None = None,
        nprobe: int = DEFAULT_NPROBE,
        batch_size: int | None = None,
        precision: str = "float32",
    ) -> None:
        """``model`` is a loaded encoder or a name/path; a name is recorded so ``load`` can find it
        again (a local path as an absolute one, so the index can be searched from anywhere).

        ``nprobe``: how many IVF lists a search scans (a compact store's, or a ``factory``'s); it
        is saved with an index. ``factory`` and a ``precision`` other than float32 build a
        read-only index instead of a store: FAISS's ``factory``, or compact codes rescored with
        the float32 vectors (:class:`align.index.precision.CompactIndex`; it takes no factory)."""
        if precision not in PRECISIONS:
            raise AlignError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
        if precision != "float32" and factory is not None:
            raise AlignError("a factory is for float32 indexes; a compact precision brings its own index")
        self.factory = factory
        self.nprobe = nprobe
        self.precision = precision
        self.batch_size = batch_size
        self.model_name = recorded_model_name(model) if isinstance(model, str) else None
        # One thread at a time changes or reads the documents and the index (encoding happens
        # outside it): without it, a search beside an add saw vectors and texts out of step.
        self._lock = threading.RLock()
        self._store: Store | None = None
        self._scratch: tempfile.TemporaryDirectory | None = None
        if precision == "float32" and factory is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="align-retriever-")
            self._store = Store(self._scratch.name, model, lid=None, index=COMPACT, nprobe=nprobe)
            self.model = self._store.embedder
        else:
            self.model = as_embedder(model)
        self.fingerprint = model_fingerprint(self.model)
        # a read-only index's documents, in its rows' order (a store keeps its own)
        self.ids: list[str] = []
        self.texts: list[str] = []
        self.metadata: list[dict[str, Any]] = []
        self._index: VectorIndex | CompactIndex | None = None
        self._pending: list[np.ndarray] = []

    def __len__(self) -> int:
        with self._lock:
            return len(self._store) if self._store is not None else len(self.ids)

    def add(
        self,
        documents: Sequence[str],
        ids: Sequence[str] | None = None,
        metadata: Sequence[dict[str, Any]] | None = None,
    ) -> None:
        """Encode and add ``documents``; ids default to their running numbers ("0", "1", ...). In a
        store, an id already there is replaced.

        Each metadata entry is a dict that JSON can hold (:meth:`save` writes it so); one that is
        not is refused here, naming the document and key, before anything is added."""
        if isinstance(documents, str):
            raise AlignError("add() takes a list of documents, not a single string")
        ids = (
            [str(i) for i in ids] if ids is not None else [str(len(self) + i) for i in range(len(documents))]
        )
        metadata = list(metadata) if metadata is not None else [{} for _ in documents]
        if not (len(ids) == len(metadata) == len(documents)):
            raise AlignError(
                f"got {len(documents)} documents, {len(ids)} ids and {len(metadata)} metadata entries"
            )
        if not documents:
            return
        check_metadata(ids, metadata)
        if self._store is not None:
            self._store.upsert(ids, list(documents), metadata, [None] * len(ids))
            return
        vectors = encode_texts(
            self.model, documents, batch_size=self.batch_size, show_progress_bar=len(documents) > 10_000
        )
        with self._lock:
            self._pending.append(vectors)
            self.ids += ids
            self.texts += list(documents)
            self.metadata += metadata

    def search(self, query: str | Sequence[str], k: int = 10) -> list[Hit] | list[list[Hit]]:
        """The ``k`` best documents for one query (a list of hits), or for each of several queries."""
        if not len(self):
            raise AlignError("the retriever holds no documents; add() some first")
        if k < 1:
            raise AlignError(f"k must be at least 1, got {k}")
        if self._store is not None:
            return self._store.search(query if isinstance(query, str) else list(query), k=k)
        queries = [query] if isinstance(query, str) else list(query)
        for number, text in enumerate(queries, start=1):
            if not text.strip():
                raise AlignError(f"query {number} is empty: there is nothing to search for")
        vectors = encode_texts(self.model, queries, batch_size=self.batch_size)
        with self._lock:
            scores, rows = self.build().search(vectors, k)
            results = [
                [
                    Hit(self.ids[r], self.texts[r], float(s), self.metadata[r])
                    for s, r in zip(row_scores, row_ids, strict=True)
                    if r >= 0
                ]
                for row_scores, row_ids in zip(scores, rows, strict=True)
            ]
        return results[0] if isinstance(query, str) else results

    def save(self, directory: str | os.PathLike, *, force: bool = False) -> None:
        """Write the documents and their index to ``directory``, atomically; an existing one there
        is replaced only with ``force`` (:func:`align.outputs.check_output`). A store is copied as
        it is now (:meth:`align.store.Store.copy_to`)."""
        check_output(directory, force=force, directory=True)
        with self._lock, atomic_path(directory, kind="store" if self._store else "index") as tmp:
            if self._store is not None:
                self._store.copy_to(tmp)
                return
            index = self.build()
            tmp.mkdir()
            index.write(tmp)
            with open(tmp / DOCUMENTS_FILE, "w", encoding="utf-8") as handle:
                for doc_id, text, meta in zip(self.ids, self.texts, self.metadata, strict=True):
                    handle.write(
                        json.dumps({"id": doc_id, "text": text, "metadata": meta}, ensure_ascii=False) + "\n"
                    )

    @classmethod
    def load(
        cls, directory: str | os.PathLike, model: Encoder | str | None = None, *, nprobe: int | None = None
    ) -> Retriever:
        """Load a saved retriever; by default with the model it was built with, searching with the
        ``nprobe`` it was saved with unless one is given (a compact index has no ``nprobe``). A
        store (what :meth:`save` writes by default, and ``align index``) is opened where it is."""
        directory = Path(directory)
        if (directory / DATABASE_FILE).is_file():
            return cls._over(Store(directory, model, nprobe=nprobe or DEFAULT_NPROBE))
        index: VectorIndex | CompactIndex
        if (directory / COMPACT_FILE).is_file():
            verify_manifest(directory, [COMPACT_FILE, VECTORS_FILE])
            index = CompactIndex.read(directory)
            built_with, fingerprint = index.model, index.fingerprint
            settings: dict[str, Any] = {"precision": index.precision}
        else:
            index = VectorIndex.load(directory)
            if nprobe is not None:
                index.set_nprobe(nprobe)
            built_with, fingerprint = index.info.model, index.info.fingerprint
            settings = {"factory": index.info.factory, "nprobe": index.info.nprobe}
        verify_manifest(directory, [DOCUMENTS_FILE])
        if model is None:
            if not built_with:
                raise AlignError(
                    f"{directory} was built from a model object, not a name or path; pass the model"
                )
            model = built_with
        documents = read_documents(directory / DOCUMENTS_FILE, len(index))
        retriever = cls(model, **settings)
        check_fingerprint(fingerprint, retriever.fingerprint, built_with)
        return retriever._filled(index, documents)

    @classmethod
    def _over(cls, store: Store) -> Retriever:
        """A retriever over an open store (its model, its nprobe)."""
        retriever = cls.__new__(cls)
        retriever.factory, retriever.precision, retriever.batch_size = None, "float32", None
        retriever.nprobe, retriever.model_name = store.nprobe, store.setting("model")
        retriever._lock, retriever._store, retriever._scratch = threading.RLock(), store, None
        retriever.model = store.embedder
        retriever.fingerprint = model_fingerprint(retriever.model)
        retriever.ids, retriever.texts, retriever.metadata = [], [], []
        retriever._index, retriever._pending = None, []
        return retriever

    def _filled(self, index: VectorIndex | CompactIndex, documents: list[dict[str, Any]]) -> Retriever:
        """This retriever holding a loaded index and its documents' records."""
        for record in documents:
            self.ids.append(record["id"])
            self.texts.append(record["text"])
            self.metadata.append(record["metadata"])
        self._index = index
        return self

    def describe(self) -> str:
        """The index searched: a store's (``flat``, ``IVF1024,SQ8``), or the read-only one's factory
        or precision."""
        if self._store is not None:
            return self._store.index_description
        index = self.build()
        return index.info.factory if isinstance(index, VectorIndex) else f"compact {index.precision}"

    def build(self) -> VectorIndex | CompactIndex | None:
        """Index the documents added so far, now rather than on the first search; return the
        read-only index (None for a store, which indexes each document as it is added)."""
        with self._lock:
            if self._store is not None:
                self._store.refresh()
                return None
            return self._built()

    def _built(self) -> VectorIndex | CompactIndex:
        if self._pending:
            pending = np.concatenate(self._pending)
            self._pending = []
            if self._index is None and self.precision != "float32":
                self._index = CompactIndex.build(pending, self.precision)
                self._index.model, self._index.fingerprint = self.model_name, self.fingerprint
            elif self._index is None:
                self._index = VectorIndex.build(
                    pending,
                    factory=self.factory,
                    nprobe=self.nprobe,
                    model=self.model_name,
                    fingerprint=self.fingerprint,
                )
            else:
                self._index.add(pending)
        assert self._index is not None
        return self._index


def index_file(
    documents: str | os.PathLike,
    output: str | os.PathLike,
    model: str,
    *,
    factory: str | None = None,
    nprobe: int = DEFAULT_NPROBE,
    skip_bad_lines: bool = False,
    max_chars: int = MAX_LINE_CHARS,
    force: bool = False,
    precision: str = "float32",
    update: bool = False,
    compact: bool = False,
) -> str:
    """Index a file of documents, one a line (ids are line numbers), into ``output``; say what was done.

    At float32 with the default index, ``output`` is a store (:func:`align.store.files.index_into_store`:
    ``update`` adds to one). A compact ``precision`` or a ``factory`` gives a read-only index, built
    whole. The documents are read and checked before the model loads."""
    if precision == "float32" and factory is None:
        from align.store.files import index_into_store

        reading = {"skip_bad_lines": skip_bad_lines, "max_chars": max_chars}
        return index_into_store(
            documents, output, model, update=update, compact=compact, force=force, **reading
        )
    if update or compact:
        raise AlignError(
            "update and compact are a store's; an index with a precision or a factory is built whole"
        )
    check_output(output, force=force, directory=True, inputs=[documents])
    check_model_source(model)
    if factory is not None:
        check_factory(factory)
    collection = read_collection(documents, skip_bad_lines=skip_bad_lines, max_chars=max_chars)
    retriever = Retriever(model, factory=factory, nprobe=nprobe, precision=precision)
    retriever.add(collection.texts, ids=[str(number) for number in collection.line_numbers])
    retriever.save(output, force=force)
    warnings = "".join(f"\nwarning: {warning}" for warning in collection.warnings())
    return f"Indexed {len(collection.texts):,} documents into {output}{warnings}"


def search_index(
    directory: str | os.PathLike,
    queries: Sequence[str],
    *,
    top_k: int = 5,
    model: str | None = None,
    nprobe: int | None = None,
    where: Where | None = None,
    mode: str = "dense",
    other_languages: bool = False,
) -> list[tuple[str, list[Hit]]]:
    """Each query with its ``top_k`` best documents in the store or index at ``directory``:
    ``align search``. ``where``, ``mode`` and ``other_languages`` are a store's
    (:meth:`align.store.Store.search`)."""
    from align.store.files import is_store

    if is_store(directory):
        with Store(directory, model, readonly=True) as store:
            options = {"where": where, "mode": mode, "other_languages": other_languages, "nprobe": nprobe}
            return list(zip(queries, store.search(list(queries), k=top_k, **options), strict=True))
    if where or mode != "dense" or other_languages:
        raise AlignError(f"{directory} is a read-only index: where, mode and other_languages need a store")
    retriever = Retriever.load(directory, model=model, nprobe=nprobe)
    return list(zip(queries, retriever.search(list(queries), k=top_k), strict=True))


def search_report(results: list[tuple[str, list[Hit]]], *, as_json: bool = False) -> str:
    """What ``align search`` prints of :func:`search_index`'s results: each query with its hits
    indented (score, id, text), or, ``as_json``, a list of ``{"query", "hits"}`` for a script."""
    if as_json:
        found = [{"query": query, "hits": [hit.to_json() for hit in hits]} for query, hits in results]
        return json.dumps(found, ensure_ascii=False, indent=1)
    lines: list[str] = []
    for query, hits in results:
        lines.append(query)
        lines += [f"    {hit.score:.3f}  [{hit.id}] {hit.text}" for hit in hits]
    return "\n".join(lines)
