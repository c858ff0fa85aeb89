"""Cross-lingual retrieval for applications: add documents in any language, search in another.

    retriever = Retriever(model)
    retriever.add(["火车站在哪里？", "我头疼。"], ids=["q1", "q2"])
    retriever.search("Where is the station?", k=1)   # [Hit(id='q1', text='火车站在哪里？', score=0.91)]
    retriever.save("my-index")
    retriever = Retriever.load("my-index")           # loads the model it was built with

Documents are buffered until the first search (or ``build``), then indexed with the FAISS index
that suits their number (:func:`align.index.settings.choose_factory`: exact search up to 50k);
later additions are appended to that index the same way, at the next search.
"""

from __future__ import annotations

import json
import os
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
from align.store.filters import Where
from align.store.hit import Hit

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
    """An encoder plus a FAISS index over documents, with ids, texts and metadata kept alongside."""

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

        ``factory`` and ``nprobe`` are the FAISS index and how many of its IVF lists a search scans
        (:mod:`align.index.settings`); ``nprobe`` is saved with the index. ``precision`` other than
        float32 keeps compact codes instead, rescored with the float32 vectors
        (:class:`align.index.precision.CompactIndex`; it takes no factory)."""
        if precision not in PRECISIONS:
            raise AlignError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
        if precision != "float32" and factory is not None:
            raise AlignError("a factory is for float32 indexes; a compact precision brings its own index")
        self.model_name = recorded_model_name(model) if isinstance(model, str) else None
        self.model = as_embedder(model)
        self.fingerprint = model_fingerprint(self.model)
        self.factory = factory
        self.nprobe = nprobe
        self.precision = precision
        self.batch_size = batch_size
        self.ids: list[str] = []
        self.texts: list[str] = []
        self.metadata: list[dict[str, Any]] = []
        self._index: VectorIndex | CompactIndex | None = None
        self._pending: list[np.ndarray] = []
        # One thread at a time changes or reads the documents and the index (encoding happens
        # outside it): without it, a search beside an add saw vectors and texts out of step.
        self._lock = threading.RLock()

    def __len__(self) -> int:
        with self._lock:
            return len(self.ids)

    def add(
        self,
        documents: Sequence[str],
        ids: Sequence[str] | None = None,
        metadata: Sequence[dict[str, Any]] | None = None,
    ) -> None:
        """Encode and add ``documents``; ids default to their running numbers ("0", "1", ...).

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
        """Write the index, its metadata and the documents to ``directory``, atomically; an existing
        index there is replaced only with ``force`` (:func:`align.outputs.check_output`)."""
        check_output(directory, force=force, directory=True)
        with self._lock, atomic_path(directory, kind="index") as tmp:
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
        ``nprobe`` it was saved with unless one is given (a compact index has no ``nprobe``)."""
        directory = Path(directory)
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

    def _filled(self, index: VectorIndex | CompactIndex, documents: list[dict[str, Any]]) -> Retriever:
        """This retriever holding a loaded index and its documents' records."""
        for record in documents:
            self.ids.append(record["id"])
            self.texts.append(record["text"])
            self.metadata.append(record["metadata"])
        self._index = index
        return self

    def build(self) -> VectorIndex | CompactIndex:
        """Index the documents added so far, now rather than on the first search; return the index."""
        with self._lock:
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
) -> str:
    """Index a file of documents, one a line (ids are line numbers), into ``output``; say what was done.

    At float32 with the default index, ``output`` is a store (:func:`align.store.files.index_into_store`:
    ``update`` adds to one). A compact ``precision`` or a ``factory`` gives a read-only index, built
    whole. The documents are read and checked before the model loads."""
    if precision == "float32" and factory is None:
        from align.store.files import index_into_store

        reading = {"skip_bad_lines": skip_bad_lines, "max_chars": max_chars}
        return index_into_store(documents, output, model, update=update, force=force, **reading)
    if update:
        raise AlignError("update=True adds to a store; an index with a precision or a factory is built whole")
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
    from align.store.store import Store

    if is_store(directory):
        with Store(directory, model, readonly=True) as store:
            options = {"where": where, "mode": mode, "other_languages": other_languages}
            return list(zip(queries, store.search(list(queries), k=top_k, **options), strict=True))
    if where or mode != "dense" or other_languages:
        raise AlignError(f"{directory} is a read-only index: where, mode and other_languages need a store")
    retriever = Retriever.load(directory, model=model, nprobe=nprobe)
    return list(zip(queries, retriever.search(list(queries), k=top_k), strict=True))
