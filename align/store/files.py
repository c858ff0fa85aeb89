"""The store from the command line: a text file indexed into it (line N is document N), ids
deleted, what it holds. ``align index`` and ``align delete`` call these (``align search``:
:func:`align.retriever.search_index`)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from align.errors import AlignError
from align.files import MAX_LINE_CHARS
from align.outputs import check_output, is_align_output, write_manifest
from align.sentences import read_collection
from align.store.database import DATABASE_FILE, DocumentTable
from align.store.store import Store
from align.store.vectors import COMPACT, COMPACT_FROM, FLAT

INDEX_KINDS_DESCRIBED = {
    FLAT: "flat (exact search over float32 vectors in memory)",
    COMPACT: f"compact (8-bit codes in an inverted file from {COMPACT_FROM:,} documents, rescored exactly)",
}
BATCH = 4_096  # documents a transaction: each one embedded, then written whole


def is_store(directory: str | os.PathLike) -> bool:
    return (Path(directory) / DATABASE_FILE).is_file()


def _check_store(directory: str | os.PathLike) -> None:
    if not is_store(directory):
        raise AlignError(f"{directory} is not a store made by align index")


def index_into_store(
    documents: str | os.PathLike,
    output: str | os.PathLike,
    model: str,
    *,
    update: bool = False,
    compact: bool = False,
    force: bool = False,
    skip_bad_lines: bool = False,
    max_chars: int = MAX_LINE_CHARS,
) -> str:
    """Index a file of documents, one a line (ids are line numbers), into the store ``output``; with
    ``update``, into the store already there (a line number indexed before is updated). A new store
    is ``compact`` (:mod:`align.store.vectors`) or flat. Say what was done."""
    from tqdm.auto import tqdm

    target = Path(output)
    if update and not is_store(target):
        if target.exists() and any(target.iterdir()):
            raise AlignError(f"{output} is not a store; update=True adds to a store made by align index")
    elif not update:
        check_output(target, force=force, directory=True, inputs=[documents])
        if force and is_store(target) and is_align_output(target):
            for name in os.listdir(target):
                (target / name).unlink()
    collection = read_collection(documents, skip_bad_lines=skip_bad_lines, max_chars=max_chars)
    fresh = not is_store(target)
    if fresh:  # the marker (no files listed: a store changes in place) makes the directory align's
        target.mkdir(parents=True, exist_ok=True)
        write_manifest(target, "store")
    store = Store(target, model, index=COMPACT if compact and fresh else None)
    ids = [str(number) for number in collection.line_numbers]
    with store, tqdm(total=len(ids), desc="Indexing", unit=" documents", disable=len(ids) < BATCH) as bar:
        for start in range(0, len(ids), BATCH):
            store.upsert(ids[start : start + BATCH], collection.texts[start : start + BATCH])
            bar.update(len(ids[start : start + BATCH]))
        total = len(store)
    warnings = "".join(f"\nwarning: {warning}" for warning in collection.warnings())
    verb = "Indexed" if fresh else "Updated"
    return f"{verb} {len(ids):,} documents into {output} ({total:,} in the store){warnings}"


def delete_from_store(directory: str | os.PathLike, ids: Sequence[str]) -> str:
    """Delete the documents ``ids`` from the store at ``directory``; say how many there were."""
    _check_store(directory)
    with Store(directory) as store:
        removed = store.delete(list(ids))
        return f"Deleted {removed:,} of {len(ids):,} ids from {directory} ({len(store):,} left)"


def store_info(directory: str | os.PathLike) -> dict[str, Any]:
    """What a store holds: documents, languages, model, size on disk (read from its database
    alone: no model loads, no index is built)."""
    _check_store(directory)
    table = DocumentTable(Path(directory) / DATABASE_FILE, readonly=True)
    try:
        return {
            "documents": len(table),
            "languages": {str(lang): count for lang, count in table.languages().items()},
            "model": table.setting("model"),
            "dimension": table.setting("dimension"),
            "index": table.setting("index") or "flat",
            "roles": table.setting("roles"),
            "lid": table.setting("lid"),
            "bytes": sum(path.stat().st_size for path in Path(directory).iterdir() if path.is_file()),
        }
    finally:
        table.close()


def describe_store(directory: str | os.PathLike) -> str:
    """:func:`store_info` as a person reads it (``align index --info``)."""
    info = store_info(directory)
    roles = info["roles"] or {}
    languages = sorted(info["languages"].items(), key=lambda item: -item[1])
    lines = [
        f"{directory}: {info['documents']:,} documents, {info['bytes'] / 2**20:,.1f} MiB on disk",
        f"model: {info['model']} ({info['dimension']} dimensions; queries embedded with its "
        f"{roles.get('query')!r} prompt, documents with its {roles.get('document')!r} prompt)",
        f"index: {INDEX_KINDS_DESCRIBED.get(info['index'], info['index'])}",
        f"languages ({info['lid'] or 'given only'}): "
        + (", ".join(f"{lang} {count:,}" for lang, count in languages[:20]) or "none yet")
        + (f" and {len(languages) - 20} more" if len(languages) > 20 else ""),
    ]
    return "\n".join(lines)
