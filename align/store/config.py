"""The settings of ``align search`` and ``align delete``, light to import (the command line
builds its options from them before NumPy loads)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from align.settings import setting
from align.store.filters import parse_where

MODES = ("dense", "lexical", "hybrid")  # how a search ranks (align.store.Store.search)


def _where(expressions: list[str] | None) -> dict[str, Any] | None:
    return parse_where(expressions) if expressions else None


@dataclass(frozen=True)
class SearchQueries:
    """What ``align search`` asks: the arguments of :func:`align.retriever.search_index`."""

    directory: Path = setting(help="A store or an index made by align index.", argument="INDEX", exists="dir")
    queries: tuple[str, ...] = setting(
        help="One or more queries, in any language.", argument="QUERY", cli_type=list[str], parse=tuple
    )
    top_k: int = setting(5, "Results per query.", flags=("--top-k", "-k"), min=1)
    model: str | None = setting(None, "Encoder to query with (default: the one the index was built with).")
    nprobe: int | None = setting(
        None,
        "IVF lists to scan per query (default: the one saved with an index; 64 in a compact store).",
        min=1,
    )
    where: dict[str, Any] | None = setting(
        None,
        "Only documents where this holds (a store): lang=zh, year>=2024 (also !=, >, <, <=), "
        "topic=travel|health for one of several; repeat for all of several.",
        cli_type=list[str] | None,
        parse=_where,
    )
    mode: str = setting(
        "dense",
        "dense (by meaning), lexical (BM25 over the words) or hybrid (both, fused by rank) (a store).",
    )
    other_languages: bool = setting(
        False,
        "Only documents in a language other than the query's: the cross-lingual case (a store).",
        flags=("--other-languages",),
    )


@dataclass(frozen=True)
class DeleteIds:
    """What ``align delete`` removes: the arguments of :func:`align.store.files.delete_from_store`."""

    directory: Path = setting(help="A store made by align index.", argument="STORE", exists="dir")
    ids: tuple[str, ...] = setting(
        help="Ids of the documents to delete (a text file's line numbers).",
        argument="ID",
        cli_type=list[str],
        parse=tuple,
    )
