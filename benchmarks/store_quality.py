"""Dense, lexical and hybrid search in the document store, with prompts by role on and off, on two
mixed-language collections:

- XQuAD-R (LAReQA) pooled: the answer sentences of ``--xquad-langs``, one collection; the English
  and Chinese questions; relevant: the answer's sentence in every language;
- FLORES-200 dev pooled: the Chinese, German, Russian and Czech sentences, one collection; the
  English sentences as queries; relevant: the sentence's four translations.

Scores: nDCG@10 (binary relevance) and recall@1 (the first hit is relevant), in %.

    python benchmarks/store_quality.py --model /work/models/me5-onnx/onnx/model.onnx

"Prompts off" embeds queries and documents alike, with the model's empty ``document`` prompt.
Hybrid search runs at each of ``--lexical-weights`` (the lexical ranking's weight in the fusion,
:mod:`align.store.fusion`): choose the weight on one collection, and read the other as held out.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import math
import tempfile

from align.bench.retrieval import read_xquad_r
from benchmarks.common import Report, read_lines, script_arguments

FLORES_DOCUMENTS = ("zho_Hans", "deu_Latn", "rus_Cyrl", "ces_Latn")


def ndcg_at_10(ranked: list[str], relevant: set[str]) -> float:
    gains = sum(1 / math.log2(rank + 1) for rank, doc in enumerate(ranked[:10], start=1) if doc in relevant)
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(len(relevant), 10) + 1))
    return gains / ideal


def collections(data: Path, xquad_langs: list[str]) -> dict[str, tuple[list, list, dict]]:
    """name → (documents [(id, text)], queries [(id, text)], relevant {query id: doc ids})."""
    xquad = read_xquad_r(data / "eval" / "xquad-r", xquad_langs)
    documents = [doc for lang in xquad_langs for doc in xquad.documents[lang]]
    queries = [query for lang in ("en", "zh") if lang in xquad.queries for query in xquad.queries[lang]]
    known = {doc_id for doc_id, _ in documents}
    relevant = {query_id: xquad.relevant[query_id] & known for query_id, _ in queries}
    flores = data / "eval" / "flores200-dev"
    english = read_lines(flores / "dev.eng_Latn")
    flores_documents = [
        (f"{code}:{number}", text)
        for code in FLORES_DOCUMENTS
        for number, text in enumerate(read_lines(flores / f"dev.{code}"))
    ]
    flores_queries = [(f"eng:{number}", text) for number, text in enumerate(english)]
    flores_relevant = {f"eng:{n}": {f"{code}:{n}" for code in FLORES_DOCUMENTS} for n in range(len(english))}
    return {
        f"XQuAD-R ({', '.join(xquad_langs)}; en, zh questions)": (documents, queries, relevant),
        "FLORES-200 dev (zh, de, ru, cs; en queries)": (flores_documents, flores_queries, flores_relevant),
    }


def main(argv: list[str] | None = None) -> None:
    parser = script_arguments(__doc__, report="store_quality")
    parser.add_argument("--model", required=True, help="a model with query and passage prompts (e5)")
    parser.add_argument("--xquad-langs", default="en,zh,de,ar,ru,th")
    parser.add_argument("--lexical-weights", default="1,0.5,0.25,0.1")
    args = parser.parse_args(argv)
    searches = {"dense": {"mode": "dense"}, "lexical": {"mode": "lexical"}}
    for weight in (float(text) for text in args.lexical_weights.split(",")):
        searches[f"hybrid, lexical ×{weight:g}"] = {"mode": "hybrid", "lexical_weight": weight}
    from align.embedding import load_embedder
    from align.store import Store

    embedder = load_embedder(args.model)
    report = Report("store_quality", args.data / "eval", args.output)
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="align-store-quality-") as tmp:
        for name, (documents, queries, relevant) in collections(
            args.data, args.xquad_langs.split(",")
        ).items():
            for prompts in ("on", "off"):
                roles = {} if prompts == "on" else {"query_role": "document", "document_role": "document"}
                directory = Path(tmp) / f"{len(results)}-{prompts}"
                store = Store(directory, embedder, lid=None, **roles)
                ids, texts = [doc_id for doc_id, _ in documents], [text for _, text in documents]
                for start in range(0, len(ids), 2_000):
                    store.upsert(ids[start : start + 2_000], texts[start : start + 2_000])
                for mode, options in searches.items():
                    found = store.search([text for _, text in queries], k=10, **options)
                    ndcg = [
                        ndcg_at_10([h.id for h in hits], relevant[q])
                        for (q, _), hits in zip(queries, found, strict=True)
                    ]
                    top = [
                        bool(hits) and hits[0].id in relevant[q]
                        for (q, _), hits in zip(queries, found, strict=True)
                    ]
                    entry = {
                        "ndcg@10": round(100 * sum(ndcg) / len(ndcg), 2),
                        "recall@1": round(100 * sum(top) / len(top), 2),
                    }
                    results.setdefault(name, {}).setdefault(f"prompts {prompts}", {})[mode] = entry
                    print(f"{name} | prompts {prompts} | {mode}: nDCG@10 {entry['ndcg@10']:.2f}, "
                          f"recall@1 {entry['recall@1']:.2f}", flush=True)  # fmt: skip
                store.close()
    print("\n| collection | prompts | mode | nDCG@10 | recall@1 |\n|---|---|---|---|---|")
    for name, by_prompts in results.items():
        for prompts, by_mode in by_prompts.items():
            for mode, entry in by_mode.items():
                print(f"| {name} | {prompts} | {mode} | {entry['ndcg@10']:.2f} | {entry['recall@1']:.2f} |")
    settings = {"model": args.model, "xquad_langs": args.xquad_langs, "lexical_weights": args.lexical_weights}
    report.write(settings, results=results)


if __name__ == "__main__":
    main()
