"""Cross-lingual retrieval: queries in one language, documents in another (or in all at once).

Two ways to read a task:

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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from align.encode import Encoder, encode_texts
from align.errors import AlignError, InputFormatError
from align.files import iter_lines

CUTOFF = 20
RECALL_AT = (1, 5, 10)


@dataclass
class RetrievalTask:
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


def read_xquad_r(directory: str | Path, languages: list[str] | None = None) -> RetrievalTask:
    directory = Path(directory)
    files = sorted(directory.glob("*.json"))
    if languages is not None:
        files = [directory / f"{lang}.json" for lang in languages]
    if not files:
        raise AlignError(f"{directory}: no XQuAD-R files (xx.json per language)")
    task = RetrievalTask()
    for path in files:
        if not path.is_file():
            raise InputFormatError(path, "no such file")
        lang = path.stem
        try:
            articles = json.loads(path.read_bytes().decode("utf-8"))["data"]
            queries, documents = _xquad_r_items(path, lang, articles, task.relevant)
        except (ValueError, KeyError, TypeError, IndexError, RecursionError) as error:
            reason = f"no key {error}" if isinstance(error, KeyError) else str(error)
            raise InputFormatError(path, f"not XQuAD-R JSON ({reason})") from None
        task.queries[lang], task.documents[lang] = queries, documents
    return task


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


def read_tsv_task(directory: str | Path) -> RetrievalTask:
    directory = Path(directory)
    task = RetrievalTask()
    for query_id, lang, text in _read_tsv(directory / "queries.tsv", 3):
        task.queries.setdefault(lang, []).append((query_id, text))
    for doc_id, lang, text in _read_tsv(directory / "corpus.tsv", 3):
        task.documents.setdefault(lang, []).append((doc_id, text))
    known_queries = {q for queries in task.queries.values() for q, _ in queries}
    known_documents = {d for documents in task.documents.values() for d, _ in documents}
    for number, (query_id, doc_id) in enumerate(_read_tsv(directory / "qrels.tsv", 2), start=1):
        if query_id not in known_queries or doc_id not in known_documents:
            raise InputFormatError(
                directory / "qrels.tsv", f"unknown query or document in {query_id!r}, {doc_id!r}", number
            )
        task.relevant.setdefault(query_id, set()).add(doc_id)
    return task


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
    model: Encoder, task: RetrievalTask, languages: list[str] | None = None
) -> dict[str, dict[str, dict[str, float]]]:
    """``{"separate": {"X→Y": metrics}, "pooled": {"X→all": metrics}}``, metrics in %."""
    languages = languages or task.languages
    missing = [lang for lang in languages if lang not in task.queries or lang not in task.documents]
    if missing:
        raise AlignError(f"the task has no queries or documents in {', '.join(missing)}")
    query_vectors = {lang: encode_texts(model, [t for _, t in task.queries[lang]]) for lang in languages}
    doc_vectors = {lang: encode_texts(model, [t for _, t in task.documents[lang]]) for lang in languages}
    doc_ids = {lang: [d for d, _ in task.documents[lang]] for lang in languages}
    results: dict[str, dict[str, dict[str, float]]] = {"separate": {}, "pooled": {}}
    for query_lang in languages:
        query_ids = [q for q, _ in task.queries[query_lang]]
        for doc_lang in languages:
            ranked = _rank(query_vectors[query_lang], doc_vectors[doc_lang], doc_ids[doc_lang])
            in_lang = set(doc_ids[doc_lang])
            per_query = [
                query_metrics(r, task.relevant[q] & in_lang)
                for q, r in zip(query_ids, ranked, strict=True)
                if task.relevant.get(q, set()) & in_lang
            ]
            results["separate"][f"{query_lang}→{doc_lang}"] = _mean(per_query)
        pool_ids = [d for lang in languages for d in doc_ids[lang]]
        pool_set = set(pool_ids)
        ranked = _rank(
            query_vectors[query_lang], np.concatenate([doc_vectors[lang] for lang in languages]), pool_ids
        )
        per_query = [
            query_metrics(r, task.relevant[q] & pool_set)
            for q, r in zip(query_ids, ranked, strict=True)
            if task.relevant.get(q, set()) & pool_set
        ]
        results["pooled"][f"{query_lang}→all"] = _mean(per_query)
    return results


def retrieval_markdown(results: dict[str, dict[str, dict[str, dict[str, float]]]]) -> str:
    """One row per model and direction: recall@1/5/10, MRR and mAP@20."""
    lines = [
        "| model | queries → documents | R@1 | R@5 | R@10 | MRR | mAP@20 |",
        "|---|---|---|---|---|---|---|",
    ]
    for model, by_mode in results.items():
        for mode in ("separate", "pooled"):
            for direction, m in by_mode[mode].items():
                lines.append(
                    f"| {model} | {direction} | {m['recall@1']:.1f} | {m['recall@5']:.1f} | "
                    f"{m['recall@10']:.1f} | {m['mrr']:.1f} | {m['map@20']:.1f} |"
                )
    return "\n".join(lines)
