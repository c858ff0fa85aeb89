"""Compact precisions on a 1M-document retrieval set: memory per vector, and recall@10 against exact
float32 search, for float16, int8 and binary codes rescored with the float32 vectors.

The documents are the distinct lines of every train/ corpus (both sides, all languages) up to
``--documents``; the queries are ``--queries`` lines of dev/ (none of them a document). All are
embedded with ``--model`` (a static model: 1M sentences take seconds). The float32 vectors are
written to a memory-mapped ``.npy``, which the rescoring reads; the codes are what stays in memory.

    python benchmarks/precision.py --model /work/models/static-en-zh

Targets (issue: one embedding layer): int8 + rescoring recall@10 ≥ 0.99 at ≤ 1/4 of float32's
memory; binary + rescoring ≥ 0.97 at ≤ 1/16.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gzip
import tempfile
import time

import numpy as np

from benchmarks.common import Report, exact_top_k, script_arguments

K = 10
OVERSAMPLES = {"float16": [1], "int8": [1, 2], "binary": [10, 40, 80, 160]}


def corpus_lines(root: Path) -> list[str]:
    """Distinct non-blank lines of every file under ``root`` (plain or gzip), in a stable order."""
    seen: dict[str, None] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix in (".tsv", ".md", ".origin") or "origin" in path.name:
            continue
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                text = " ".join(line.split())
                if text:
                    seen.setdefault(text, None)
    return list(seen)


def recall(found_scores: np.ndarray, exact_scores: np.ndarray) -> float:
    """The share of found neighbours whose float32 cosine reaches the k-th best one's (as
    ann-benchmarks counts it): documents with equal vectors (lines that differ only in case, which
    the tokenizer lowercases) are interchangeable, so ties count as hits."""
    threshold = exact_scores[:, -1:] - 1e-6
    return float(np.mean(found_scores >= threshold))


def main(argv: list[str] | None = None) -> None:
    parser = script_arguments(__doc__, report="precision")
    parser.add_argument("--model", required=True, help="a static model saved by align train")
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1_000)
    args = parser.parse_args(argv)
    from align.embedding import load_embedder
    from align.index.precision import CompactIndex

    report = Report("precision", args.data, args.output)
    queries_text = corpus_lines(args.data / "dev")
    query_set = set(queries_text)
    documents_text = [line for line in corpus_lines(args.data / "train") if line not in query_set]
    documents_text = documents_text[: args.documents]
    queries_text = queries_text[:: max(1, len(queries_text) // args.queries)][: args.queries]
    print(f"{len(documents_text):,} documents, {len(queries_text):,} queries", flush=True)
    embedder = load_embedder(args.model)
    started = time.perf_counter()
    queries = embedder(queries_text)
    with tempfile.TemporaryDirectory(prefix="align-precision-") as tmp:
        path = Path(tmp) / "documents.npy"
        matrix = np.lib.format.open_memmap(
            path, mode="w+", dtype=np.float32, shape=(len(documents_text), embedder.dimension)
        )
        for start in range(0, len(documents_text), 100_000):
            matrix[start : start + 100_000] = embedder(documents_text[start : start + 100_000])
        matrix.flush()
        del matrix
        print(f"embedded in {time.perf_counter() - started:.0f} s", flush=True)
        full = np.load(path, mmap_mode="r")
        exact = exact_top_k(full, queries, K, block=200_000)[0]
        float32_bytes = full.shape[1] * 4
        rows = []
        for precision, oversamples in OVERSAMPLES.items():
            started = time.perf_counter()
            index = CompactIndex.build(full, precision)
            built = time.perf_counter() - started
            bytes_per_vector = index.code_bytes / len(full)
            for oversample in oversamples:
                started = time.perf_counter()
                found, _ = index.search(queries, K, oversample=oversample)
                milliseconds = 1000 * (time.perf_counter() - started) / len(queries)
                row = {
                    "precision": precision,
                    "oversample": oversample,
                    "bytes_per_vector": bytes_per_vector,
                    "memory_ratio": round(bytes_per_vector / float32_bytes, 4),
                    "recall_at_10": round(recall(found, exact), 4),
                    "ms_per_query": round(milliseconds, 2),
                    "build_seconds": round(built, 1),
                }
                rows.append(row)
                print(
                    f"{precision:>8} ×{oversample:<3} {bytes_per_vector:6.0f} B/vector "
                    f"(1/{float32_bytes / bytes_per_vector:.0f} of float32)  "
                    f"recall@10 {row['recall_at_10']:.4f}  {milliseconds:.1f} ms/query",
                    flush=True,
                )
            del index
    report.write(
        {"model": args.model, "documents": len(documents_text), "queries": len(queries_text), "k": K},
        float32_bytes_per_vector=float32_bytes,
        results=rows,
    )


if __name__ == "__main__":
    main()
