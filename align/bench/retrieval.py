"""Cross-lingual retrieval: queries in one language, documents in another (or in all at once).

Two ways to read the data:

- XQuAD-R / LAReQA JSON (``xx.json`` per language, SQuAD format with ``sentences`` and
  ``sentence_breaks``): every sentence of every paragraph is a candidate, each question is a query,
  and its relevant documents are the sentences holding the answer in each language (the question
  ids are shared across the 11 parallel files);
- a generic TSV layout: ``queries.tsv`` (``id<TAB>lang<TAB>text``), ``corpus.tsv``
  (``id<TAB>lang<TAB>text``) and ``qrels.tsv`` (``query-id<TAB>doc-id``).

Scored two ways, as LAReQA does: *each language alone* (queries in X against documents in Y, one
relevant document each) and *all languages in one pool* (queries in X against every document, all
translations of the answer relevant). Metrics per query, averaged: recall@1/5/10 (share of the
relevant documents in the top k), MRR (1/rank of the first relevant one within the top 20, else 0)
and mAP@20.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from align.bench.cache import ResultCache
from align.bench.task import Task, TaskMetadata
from align.embedding.protocol import Embedder
from align.errors import AlignError, InputFormatError
from align.files import iter_lines

CUTOFF = 20
RECALL_AT = (1, 5, 10)


@dataclass
class RetrievalData:
    """Queries and documents by language, and which documents answer which query."""

    queries: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # lang → [(query id, text)]
    documents: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # lang → [(doc id, text)]
    relevant: dict[str, set[str]] = field(default_factory=dict)  # query id → doc ids (any language)

    @property
    def languages(self) -> list[str]:
        return sorted(set(self.queries) & set(self.documents))


def _xquad_r_items(
    path: Path, lang: str, articles: list[dict], relevant: dict[str, set[str]]
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The queries and sentence documents of one XQuAD-R file; each answer's sentence into ``relevant``."""
    queries, documents = [], []
    for article_number, article in enumerate(articles):
        for paragraph_number, paragraph in enumerate(article["paragraphs"]):
            prefix = f"{lang}:{article_number}:{paragraph_number}"
            breaks = paragraph["sentence_breaks"]
            documents += [(f"{prefix}:{i}", sentence) for i, sentence in enumerate(paragraph["sentences"])]
            for qa in paragraph["qas"]:
                start = qa["answers"][0]["answer_start"]
                answer = next((i for i, (begin, end) in enumerate(breaks) if begin <= start < end), None)
                if answer is None:
                    raise InputFormatError(path, f"question {qa['id']}: its answer lies in no sentence")
                queries.append((qa["id"], qa["question"]))
                relevant.setdefault(qa["id"], set()).add(f"{prefix}:{answer}")
    return queries, documents


def read_xquad_r(directory: str | Path, languages: list[str] | None = None) -> RetrievalData:
    directory = Path(directory)
    files = sorted(directory.glob("*.json"))
    if languages is not None:
        files = [directory / f"{lang}.json" for lang in languages]
    if not files:
        raise AlignError(f"{directory}: no XQuAD-R files (xx.json per language)")
    data = RetrievalData()
    for path in files:
        if not path.is_file():
            raise InputFormatError(path, "no such file")
        lang = path.stem
        try:
            articles = json.loads(path.read_bytes().decode("utf-8"))["data"]
            queries, documents = _xquad_r_items(path, lang, articles, data.relevant)
        except (ValueError, KeyError, TypeError, IndexError, RecursionError) as error:
            reason = f"no key {error}" if isinstance(error, KeyError) else str(error)
            raise InputFormatError(path, f"not XQuAD-R JSON ({reason})") from None
        data.queries[lang], data.documents[lang] = queries, documents
    return data


def _read_tsv(path: Path, columns: int) -> list[list[str]]:
    rows = []
    for number, line in iter_lines(path, hint=None):
        if not line:
            continue
        parts = line.split("\t")
        if len(parts) != columns:
            raise InputFormatError(
                path, f"expected {columns} tab-separated columns, found {len(parts)}", number
            )
        rows.append(parts)
    return rows


def read_tsv_retrieval(directory: str | Path) -> RetrievalData:
    directory = Path(directory)
    data = RetrievalData()
    for query_id, lang, text in _read_tsv(directory / "queries.tsv", 3):
        data.queries.setdefault(lang, []).append((query_id, text))
    for doc_id, lang, text in _read_tsv(directory / "corpus.tsv", 3):
        data.documents.setdefault(lang, []).append((doc_id, text))
    known_queries = {q for queries in data.queries.values() for q, _ in queries}
    known_documents = {d for documents in data.documents.values() for d, _ in documents}
    for number, (query_id, doc_id) in enumerate(_read_tsv(directory / "qrels.tsv", 2), start=1):
        if query_id not in known_queries or doc_id not in known_documents:
            raise InputFormatError(
                directory / "qrels.tsv", f"unknown query or document in {query_id!r}, {doc_id!r}", number
            )
        data.relevant.setdefault(query_id, set()).add(doc_id)
    return data


def query_metrics(ranked: list[str], relevant: set[str]) -> dict[str, float]:
    """recall@k, reciprocal rank and average precision (both cut at 20) for one ranked list."""
    hits = [doc in relevant for doc in ranked[:CUTOFF]]
    metrics = {f"recall@{k}": sum(hits[:k]) / len(relevant) for k in RECALL_AT}
    first = next((rank for rank, hit in enumerate(hits, start=1) if hit), None)
    metrics["mrr"] = 1 / first if first else 0.0
    precisions = [sum(hits[:rank]) / rank for rank, hit in enumerate(hits, start=1) if hit]
    metrics["map@20"] = sum(precisions) / min(len(relevant), CUTOFF)
    return metrics


def _rank(query_embeddings: np.ndarray, doc_embeddings: np.ndarray, doc_ids: list[str]) -> list[list[str]]:
    scores = query_embeddings @ doc_embeddings.T
    top = np.argsort(-scores, axis=1, kind="stable")[:, :CUTOFF]
    return [[doc_ids[i] for i in row] for row in top]


def _mean(per_query: list[dict[str, float]]) -> dict[str, float]:
    return {name: 100 * float(np.mean([m[name] for m in per_query])) for name in per_query[0]}


def evaluate_retrieval(
    embed: Embedder, data: RetrievalData, languages: list[str] | None = None
) -> dict[str, dict[str, dict[str, float]]]:
    """``{"separate": {"X→Y": metrics}, "pooled": {"X→all": metrics}}``, metrics in %.

    Two bars, over the languages: encoding each one's queries and documents, then ranking each
    one's queries against every language's documents and the pool of all of them.
    """
    from tqdm.auto import tqdm

    languages = languages or data.languages
    missing = [lang for lang in languages if lang not in data.queries or lang not in data.documents]
    if missing:
        raise AlignError(f"the data has no queries or documents in {', '.join(missing)}")
    query_vectors, doc_vectors = {}, {}
    with tqdm(languages, desc="Retrieval: encoding", unit=" languages") as bar:
        for lang in bar:
            bar.set_postfix_str(
                f"{lang}: {len(data.queries[lang]):,} queries, {len(data.documents[lang]):,} documents"
            )
            query_vectors[lang] = embed([t for _, t in data.queries[lang]])
            doc_vectors[lang] = embed([t for _, t in data.documents[lang]])
    doc_ids = {lang: [d for d, _ in data.documents[lang]] for lang in languages}
    results: dict[str, dict[str, dict[str, float]]] = {"separate": {}, "pooled": {}}
    with tqdm(languages, desc="Retrieval: ranking", unit=" query languages") as ranking:
        for query_lang in ranking:
            ranking.set_postfix_str(query_lang)
            query_ids = [q for q, _ in data.queries[query_lang]]
            for doc_lang in languages:
                ranked = _rank(query_vectors[query_lang], doc_vectors[doc_lang], doc_ids[doc_lang])
                in_lang = set(doc_ids[doc_lang])
                per_query = [
                    query_metrics(r, data.relevant[q] & in_lang)
                    for q, r in zip(query_ids, ranked, strict=True)
                    if data.relevant.get(q, set()) & in_lang
                ]
                results["separate"][f"{query_lang}→{doc_lang}"] = _mean(per_query)
            pool_ids = [d for lang in languages for d in doc_ids[lang]]
            pool_set = set(pool_ids)
            ranked = _rank(
                query_vectors[query_lang], np.concatenate([doc_vectors[lang] for lang in languages]), pool_ids
            )
            per_query = [
                query_metrics(r, data.relevant[q] & pool_set)
                for q, r in zip(query_ids, ranked, strict=True)
                if data.relevant.get(q, set()) & pool_set
            ]
            results["pooled"][f"{query_lang}→all"] = _mean(per_query)
    return results


@dataclass(frozen=True)
class RetrievalResult:
    """Metrics in % by direction: ``separate`` ("X→Y") and ``pooled`` ("X→all")."""

    separate: dict[str, dict[str, float]]
    pooled: dict[str, dict[str, float]]

    @property
    def main_score(self) -> float:
        """mAP@20 over the pooled directions, LAReQA's headline figure."""
        return float(np.mean([metrics["map@20"] for metrics in self.pooled.values()]))

    def to_json(self) -> dict[str, Any]:
        return {"separate": self.separate, "pooled": self.pooled}

    def rows(self) -> list[tuple[str, list[str]]]:
        metrics = ("recall@1", "recall@5", "recall@10", "mrr", "map@20")
        return [
            (direction, [f"{m[name]:.1f}" for name in metrics])
            for by_direction in (self.separate, self.pooled)
            for direction, m in by_direction.items()
        ]


class RetrievalTask(Task):
    """Cross-lingual retrieval over an XQuAD-R directory or the generic TSV layout."""

    def __init__(self, data_dir: str | os.PathLike, languages: str = "all") -> None:
        data_dir = Path(data_dir)
        wanted = None if languages.strip() == "all" else [code.strip() for code in languages.split(",")]
        is_tsv = (data_dir / "queries.tsv").is_file()
        self.data = read_tsv_retrieval(data_dir) if is_tsv else read_xquad_r(data_dir, wanted)
        self.languages = wanted or self.data.languages
        self.metadata = TaskMetadata(
            name="retrieval",
            description="Cross-lingual retrieval: recall@k, MRR and mAP@20, by language and pooled",
            data=str(data_dir),
            languages=tuple(self.languages),
            main_score="mAP@20, pooled (%)",
            row_header="queries → documents",
            columns=("R@1", "R@5", "R@10", "MRR", "mAP@20"),
            settings={
                "languages": self.languages,
                "format": "tsv" if is_tsv else "xquad-r",
                "cutoff": CUTOFF,
            },
        )

    def evaluate(self, embed: Embedder, cache: ResultCache | None = None) -> RetrievalResult:
        results = evaluate_retrieval(embed, self.data, self.languages)
        return RetrievalResult(results["separate"], results["pooled"])
