"""Benchmark: the Retriever with a million documents: build time and single-query latency.

Documents are Chinese, each joined from two random lines of train/en-zh; 1,000 of them have a
known English translation (the two English sides joined), which serve as queries. One query at a
time, as an application would send them: latency includes encoding the query.

    python benchmarks/retrieval_latency.py --model MODEL [--documents 1000000]

Writes benchmarks/results/retrieval_latency.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import random
import time

import numpy as np

from align.retriever import Retriever
from benchmarks.common import Report, read_lines, script_arguments


def joined_documents(data: Path, documents: int, queries: int) -> tuple[list[str], list[str], list[str]]:
    """Chinese documents of two joined lines; English queries for every (documents / queries)-th
    one, with the id of the document each should find."""
    rng = random.Random(3)
    english = read_lines(data / "train/en-zh/mixed.en-zh.en")
    chinese = read_lines(data / "train/en-zh/mixed.en-zh.zh")
    texts, questions, answers = [], [], []
    for index in range(documents):
        a, b = rng.randrange(len(chinese)), rng.randrange(len(chinese))
        texts.append(chinese[a] + chinese[b])
        if index % (documents // queries) == 0 and len(questions) < queries:
            questions.append(f"{english[a]} {english[b]}")
            answers.append(str(index))
    return texts, questions, answers


def measure(model: str, documents: list[str], queries: list[str], answers: list[str]) -> dict:
    """Build time (encoding included), then each query alone: latency percentiles and recall@1."""
    retriever = Retriever(model)
    started = time.perf_counter()
    retriever.add(documents)
    retriever.build()
    build_seconds = time.perf_counter() - started

    latencies, correct = [], 0
    for query, answer in zip(queries, answers, strict=True):
        started = time.perf_counter()
        hits = retriever.search(query, k=10)
        latencies.append(1000 * (time.perf_counter() - started))
        correct += hits[0].id == answer
    return {
        "queries": len(queries),
        "index": retriever.describe(),
        "build_seconds": round(build_seconds, 1),
        "latency_ms_median": round(float(np.median(latencies)), 2),
        "latency_ms_p99": round(float(np.percentile(latencies, 99)), 2),
        "recall_at_1": 100 * correct / len(queries),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = script_arguments(__doc__, report="retrieval_latency")
    parser.add_argument("--model", required=True, help="an en-zh model from `align train`")
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1_000)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    report = Report("retrieval_latency", args.data, args.output)
    figures = measure(args.model, *joined_documents(args.data, args.documents, args.queries))
    print(
        f"\n{args.documents:,} documents indexed ({figures['index']}) in {figures['build_seconds']} s "
        f"(encoding included); one query at a time, k=10: median {figures['latency_ms_median']} ms, "
        f"p99 {figures['latency_ms_p99']} ms; recall@1 {figures['recall_at_1']:.1f} %"
    )
    report.write({"model": args.model, "documents": args.documents, "queries": args.queries}, **figures)


if __name__ == "__main__":
    main()
