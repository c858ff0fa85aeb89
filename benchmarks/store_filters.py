"""Filtered search in the document store: how long a search takes with no filter and with filters
keeping 1 %, 10 % and 50 % of the documents — the first time a filter runs (its rows read from the
database, with and without an index on the field), again (its rows kept), and right after an upsert
(its rows brought up to date) — and its recall@10 against exact search under the same filter;
also how long the store takes to open, from its saved index and rebuilding the index.

    python benchmarks/store_filters.py --model runs/quickstart/model --documents 200000

Each document carries {"bucket": n % 100}; a filter keeps buckets below 1, 10 or 50. The store's
search is exact within the filter (FAISS's IDSelector over the filter's rows), so recall@10 is
checked against a NumPy scan of the same rows rather than assumed.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import statistics
import tempfile
import time

import numpy as np

from benchmarks.common import Report, read_sentences, script_arguments

FILTERS = {
    "none": None,
    "1 %": {"bucket": {"$lt": 1}},
    "10 %": {"bucket": {"$lt": 10}},
    "50 %": {"bucket": {"$lt": 50}},
}


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1000


def main(argv: list[str] | None = None) -> None:
    parser = script_arguments(__doc__, report="store_filters")
    parser.add_argument("--model", required=True)
    parser.add_argument("--documents", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args(argv)
    from align.store import Store

    corpus = args.data / "train" / "en-zh" / "mixed.en-zh"
    pool = read_sentences(Path(f"{corpus}.en")) + read_sentences(Path(f"{corpus}.zh"))
    texts = [f"{pool[n % len(pool)]} #{n}" for n in range(args.documents)]
    queries = read_sentences(args.data / "dev" / "en-zh" / "captions.en-zh.en")[: args.queries]
    report = Report("store_filters", corpus, args.output)
    figures: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="align-store-filters-") as tmp:
        store = Store(Path(tmp) / "s", args.model, lid=None)
        started = time.perf_counter()
        for start in range(0, len(texts), 10_000):
            ids = [str(n) for n in range(start, min(start + 10_000, len(texts)))]
            store.upsert(ids, texts[start : start + 10_000], [{"bucket": int(i) % 100} for i in ids])
        ingest = len(texts) / (time.perf_counter() - started)
        store.close()  # saves the index beside the database
        size_mib = sum(path.stat().st_size for path in (Path(tmp) / "s").iterdir()) / 2**20
        print(f"ingest {ingest:,.0f} documents/s; {size_mib:,.0f} MiB on disk", flush=True)
        opening = {"saved index": timed(lambda: Store(Path(tmp) / "s", lid=None).table.close())}
        for saved in (Path(tmp) / "s").glob("index-*.faiss"):
            saved.unlink()
        opening["index rebuilt from the database"] = timed(
            lambda: Store(Path(tmp) / "s", lid=None).table.close()
        )
        print("open: " + ", ".join(f"{name} {ms:,.0f} ms" for name, ms in opening.items()), flush=True)
        store = Store(Path(tmp) / "s", args.model, lid=None)
        vectors = store.embedder(queries, role=store.query_role)
        rows, stored = [], []
        for part_rows, part in store.table.vectors():
            rows.append(part_rows)
            stored.append(part)
        all_rows, all_vectors = np.concatenate(rows), np.concatenate(stored)
        for indexed in (False, True):
            if indexed:
                store.index_field("bucket")
            for label, where in FILTERS.items():
                store._selections.clear()  # the first search of a filter reads its rows afresh
                first = timed(lambda w=where: store.search(vector=vectors[0], k=10, where=w))
                again = [timed(lambda v=v, w=where: store.search(vector=v, k=10, where=w)) for v in vectors]
                store.upsert(["new"], ["a new document"], [{"bucket": 0}])
                after = timed(lambda w=where: store.search(vector=vectors[0], k=10, where=w))
                store.delete(["new"])
                entry = figures.setdefault(label, {})
                key = "indexed field" if indexed else "field not indexed"
                entry[key] = {"first_ms": round(first, 1), "after_upsert_ms": round(after, 1)}
                entry["p50_ms"] = round(statistics.median(again), 2)
                entry["p99_ms"] = round(float(np.percentile(again, 99)), 2)
                print(f"{label:>5} {key}: first {first:.1f} ms, then p50 {entry['p50_ms']:.2f} / p99 "
                      f"{entry['p99_ms']:.2f} ms, after an upsert {after:.1f} ms", flush=True)  # fmt: skip
        for label, where in FILTERS.items():
            keep = all_rows if where is None else store.table.matching_rows(where)
            mask = np.isin(all_rows, keep)
            recalls = []
            for vector, found in zip(vectors, store.search(vector=vectors, k=10, where=where), strict=True):
                scores = all_vectors[mask] @ vector
                tenth = np.sort(scores)[-10]
                recalls.append(np.mean([hit.score >= tenth - 1e-6 for hit in found]))
            figures[label]["recall_at_10"] = round(float(np.mean(recalls)), 4)
            print(f"{label:>5}: recall@10 {figures[label]['recall_at_10']:.4f}", flush=True)
        store.close()
    report.write(
        {"model": args.model, "documents": args.documents, "queries": len(queries)},
        ingest_documents_per_second=round(ingest),
        size_mib=round(size_mib),
        open_ms={name: round(ms) for name, ms in opening.items()},
        filters=figures,
    )


if __name__ == "__main__":
    main()
