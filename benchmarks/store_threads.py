"""Threads sharing one store, as a web server's handlers do: searches a second from one, two and
four threads (each searching one query at a time by vector, k = 10), alone and beside a thread
upserting batches of 100 documents as fast as it can; with their p50 / p99 latency, and the
writer's documents a second. What the store's lock costs is the difference between the rows.

    python benchmarks/store_threads.py --model runs/quickstart/model --documents 100000

Documents and queries are unit vectors around 500 centres (``--model`` only names the store's
model: the vectors are given). Each setting runs for ``--seconds`` and stops by itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import statistics
import tempfile
import threading
import time

import numpy as np

from benchmarks.common import Report, script_arguments

THREADS = (1, 2, 4)
WRITE_BATCH = 100


def clustered(count: int, dimension: int, rng: np.random.Generator) -> np.ndarray:
    centres = rng.normal(size=(500, dimension))
    vectors = centres[rng.integers(0, 500, count)] + 0.7 * rng.normal(size=(count, dimension))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def run_setting(store, queries: np.ndarray, threads: int, writing: bool, seconds: float) -> dict:
    """Searchers (and a writer) for ``seconds``: searches a second, latency, documents written."""
    stop = time.monotonic() + seconds
    latencies: list[list[float]] = [[] for _ in range(threads)]
    written = [0]
    rng = np.random.default_rng(threads)

    def search(slot: int) -> None:
        n = slot
        while time.monotonic() < stop:
            started = time.perf_counter()
            store.search(vector=queries[n % len(queries)], k=10)
            latencies[slot].append((time.perf_counter() - started) * 1000)
            n += threads

    def write() -> None:
        while time.monotonic() < stop:
            vectors = clustered(WRITE_BATCH, queries.shape[1], rng)
            ids = [f"w{threads}-{written[0] + n}" for n in range(WRITE_BATCH)]
            store.upsert(ids, ids, langs=[None] * WRITE_BATCH, vectors=vectors)
            written[0] += WRITE_BATCH

    workers = [threading.Thread(target=search, args=(slot,)) for slot in range(threads)]
    if writing:
        workers.append(threading.Thread(target=write))
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    every = [ms for slot in latencies for ms in slot]
    return {
        "searches_per_second": round(len(every) / elapsed, 1),
        "p50_ms": round(statistics.median(every), 2),
        "p99_ms": round(float(np.percentile(every, 99)), 2),
        "documents_written_per_second": round(written[0] / elapsed) if writing else None,
    }


def main(argv: list[str] | None = None) -> None:
    parser = script_arguments(__doc__, report="store_threads")
    parser.add_argument("--model", required=True)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    from align.store import Store

    report = Report("store_threads", Path("synthetic"), args.output)
    rng = np.random.default_rng(0)
    figures: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="align-store-threads-") as tmp:
        store = Store(Path(tmp) / "s", args.model, lid=None)
        dimension = store.setting("dimension")
        for start in range(0, args.documents, 10_000):
            count = min(10_000, args.documents - start)
            ids = [str(n) for n in range(start, start + count)]
            store.upsert(ids, ids, langs=[None] * count, vectors=clustered(count, dimension, rng))
        queries = clustered(1_000, dimension, rng)
        print("| threads searching | writer | searches/s | p50 ms | p99 ms | documents written/s |")
        print("|---|---|---|---|---|---|")
        for writing in (False, True):
            for threads in THREADS:
                entry = run_setting(store, queries, threads, writing, args.seconds)
                figures[f"{threads} searching{', 1 writing' if writing else ''}"] = entry
                written = entry["documents_written_per_second"] or "–"
                print(
                    f"| {threads} | {'yes' if writing else 'no'} | {entry['searches_per_second']} | "
                    f"{entry['p50_ms']} | {entry['p99_ms']} | {written} |",
                    flush=True,
                )
        store.close()
    report.write({"model": args.model, "documents": args.documents, "seconds": args.seconds}, runs=figures)


if __name__ == "__main__":
    main()
