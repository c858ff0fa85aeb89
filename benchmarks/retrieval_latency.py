"""Benchmark: the Retriever with a million documents: build time and single-query latency.

Documents are Chinese, each joined from two random lines of train/en-zh; 1,000 of them have a
known English translation (the two English sides joined), which serve as queries. One query at a
time, as an application would send them: latency includes encoding the query.

    python benchmarks/retrieval_latency.py --model MODEL [--documents 1000000]

Writes benchmarks/results/retrieval_latency.json.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import numpy as np

from align.bench.report import report_header, write_json
from align.retriever import Retriever


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--model", required=True, help="an en-zh model from `align train`")
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument(
        "--output", type=Path, default=Path(__file__).parent / "results" / "retrieval_latency.json"
    )
    args = parser.parse_args()
    run_started = time.perf_counter()

    rng = random.Random(3)
    english = (args.data / "train/en-zh/mixed.en-zh.en").read_text(encoding="utf-8").splitlines()
    chinese = (args.data / "train/en-zh/mixed.en-zh.zh").read_text(encoding="utf-8").splitlines()
    documents, queries, answers = [], [], []
    for index in range(args.documents):
        a, b = rng.randrange(len(chinese)), rng.randrange(len(chinese))
        documents.append(chinese[a] + chinese[b])
        if index % (args.documents // args.queries) == 0 and len(queries) < args.queries:
            queries.append(f"{english[a]} {english[b]}")
            answers.append(str(index))

    retriever = Retriever(args.model)
    started = time.perf_counter()
    retriever.add(documents)
    index = retriever.build()
    build_seconds = time.perf_counter() - started

    latencies, correct = [], 0
    for query, answer in zip(queries, answers, strict=True):
        started = time.perf_counter()
        hits = retriever.search(query, k=10)
        latencies.append(1000 * (time.perf_counter() - started))
        correct += hits[0].id == answer
    settings = {"model": args.model, "documents": args.documents, "queries": args.queries}
    report = report_header(
        "retrieval_latency", data=str(args.data), settings=settings, seconds=time.perf_counter() - run_started
    )
    report.update(
        queries=len(queries),
        index=index.info.factory,
        build_seconds=round(build_seconds, 1),
        latency_ms_median=round(float(np.median(latencies)), 2),
        latency_ms_p99=round(float(np.percentile(latencies, 99)), 2),
        recall_at_1=100 * correct / len(queries),
    )
    print(
        f"\n{args.documents:,} documents indexed ({report['index']}) in {report['build_seconds']} s "
        f"(encoding included); one query at a time, k=10: median {report['latency_ms_median']} ms, "
        f"p99 {report['latency_ms_p99']} ms; recall@1 {report['recall_at_1']:.1f} %"
    )
    write_json(report, args.output)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
