"""The document store at scale, beside LanceDB, on the same vectors in the same run: ingest rate,
size on disk, peak memory, time to open, search p50 / p99 with no filter and with filters keeping
1 %, 10 % and 50 % of the documents, and recall@10 against exact search under the same filter.

    python benchmarks/store_scale.py --model runs/quickstart/model --documents 1000000
    python benchmarks/store_scale.py --model runs/quickstart/model --documents 10000000 --work /big/disk

The documents are every distinct sentence of ../shared/data/train (about 1.3M, in 60 languages,
shuffled), embedded with ``--model``; past that number, a document is two of those sentences
joined, its vector the normalised sum of theirs. Each carries a random ``bucket`` from 0 to 99; a
filter keeps buckets below 1, 10 or 50. The queries are FLORES-200 dev sentences (English and
Chinese), embedded with the same model; none is a document.

Each system runs in its own process (its peak memory is that process's) and its files are
removed once measured, to bound the disk used. The store's codes are trained when it holds 100k
documents; after the ingest it is reindexed (codes trained again for all of them, counted in its
ingest time), as docs/store.md advises once a store has grown tenfold. Both search with the
store's defaults: an inverted file of 8-bit codes (the store's number of lists; LanceDB's IVF_SQ),
64 lists scanned, 16 candidates per hit rescored exactly (LanceDB's ``refine_factor``); the store
is ``align``'s ``Store(index="compact")``, LanceDB gets a B-tree on ``bucket`` and filters before
its search.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import gzip
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator

import numpy as np

from align.store.vectors import DEFAULT_NPROBE, RESCORE
from benchmarks.common import Report, read_sentences, script_arguments

FILTERS = {"none": None, "1 %": 1, "10 %": 10, "50 %": 50}  # label → buckets kept (below this)
K = 10
BATCH = 10_000
SIDES = ("align", "lancedb")


def pool_sentences(data: Path) -> list[str]:
    """Every distinct sentence of the training folders, in a fixed shuffled order."""
    found: dict[str, None] = {}
    for path in sorted((data / "train").rglob("*")):
        if ".origin" in path.name:  # which test set each line came from, not a sentence
            continue
        if path.suffix == ".gz":
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                lines = handle.read().splitlines()
        elif path.is_file() and path.suffix not in {".gz", ".tsv", ".origin", ".md"}:
            lines = read_sentences(path)
        else:
            continue
        found.update((line.strip(), None) for line in lines if line.strip() and "\t" not in line)
    sentences = list(found)
    order = np.random.default_rng(0).permutation(len(sentences))
    return [sentences[n] for n in order]


def make_collection(args, work: Path) -> dict:
    """The documents' texts, vectors and buckets and the queries' vectors, written to ``work``
    (kept there: a second run with the same settings reuses them)."""
    from align.embedding.loading import load_embedder

    done = work / "collection.json"
    if done.is_file() and json.loads(done.read_text())["documents"] == args.documents:
        return json.loads(done.read_text())
    embedder = load_embedder(args.model)
    pool = pool_sentences(args.data)[: args.documents]
    print(f"embedding {len(pool):,} sentences", flush=True)
    pool_vectors = np.concatenate(
        [embedder(pool[start : start + 50_000]) for start in range(0, len(pool), 50_000)]
    ).astype(np.float32)
    rng = np.random.default_rng(1)
    with (
        open(work / "texts.txt", "w", encoding="utf-8") as texts,
        open(work / "vectors.f32", "wb") as vectors,
    ):
        for start in range(0, args.documents, 100_000):
            count = min(100_000, args.documents - start)
            numbers = np.arange(start, start + count)
            single = numbers < len(pool)
            first = np.where(single, numbers, rng.integers(0, len(pool), count))
            second = rng.integers(0, len(pool), count)
            block = pool_vectors[first] + np.where(single[:, None], 0, pool_vectors[second])
            block /= np.linalg.norm(block, axis=1, keepdims=True)
            vectors.write(block.astype(np.float32).tobytes())
            texts.writelines(
                (pool[a] if one else f"{pool[a]} {pool[b]}") + "\n"
                for a, b, one in zip(first, second, single, strict=True)
            )
    np.save(work / "buckets.npy", rng.integers(0, 100, args.documents).astype(np.int32))
    flores = args.data / "eval" / "flores200-dev"
    queries = [
        *read_sentences(flores / "dev.eng_Latn")[: args.queries // 2],
        *read_sentences(flores / "dev.zho_Hans")[: args.queries - args.queries // 2],
    ]
    np.save(work / "queries.npy", embedder(queries, role="query").astype(np.float32))
    collection = {"documents": args.documents, "dimension": int(pool_vectors.shape[1]), "pool": len(pool)}
    done.write_text(json.dumps(collection))
    return collection


def read_blocks(work: Path, dimension: int, count: int) -> Iterator[tuple[int, np.ndarray, list[str]]]:
    """(first number, vectors, texts) of the documents, :data:`BATCH` at a time (read, not mapped,
    so that they count in no process's resident memory once passed)."""
    with open(work / "vectors.f32", "rb") as vectors, open(work / "texts.txt", encoding="utf-8") as texts:
        for start in range(0, count, BATCH):
            size = min(BATCH, count - start)
            block = np.frombuffer(vectors.read(size * dimension * 4), dtype=np.float32).reshape(
                size, dimension
            )
            yield start, block, [texts.readline().rstrip("\n") for _ in range(size)]


Exact = tuple[list[np.ndarray], np.ndarray]  # each query's nearest numbers, and its K-th best score


def exact_neighbours(work: Path, collection: dict) -> dict[str, Exact]:
    """Each query's exact ``K`` nearest document numbers under each filter, in one pass, with the
    K-th best score: a document found that scores as high counts as found (ties have no order)."""
    queries = np.load(work / "queries.npy")
    buckets = np.load(work / "buckets.npy")
    best = {
        label: (np.full((len(queries), K), -np.inf), np.zeros((len(queries), K), np.int64))
        for label in FILTERS
    }
    for start, block, _ in read_blocks(work, collection["dimension"], collection["documents"]):
        scores = queries @ block.T
        for label, below in FILTERS.items():
            kept = (
                scores
                if below is None
                else np.where(buckets[start : start + len(block)] < below, scores, -np.inf)
            )
            merged = np.concatenate([best[label][0], kept], axis=1)
            numbers = np.concatenate(
                [best[label][1], np.broadcast_to(np.arange(start, start + len(block)), kept.shape)], axis=1
            )
            top = np.argsort(-merged, axis=1)[:, :K]
            best[label] = (np.take_along_axis(merged, top, axis=1), np.take_along_axis(numbers, top, axis=1))
    # where fewer than K documents pass a filter, only those that do
    return {
        label: (
            [row[np.isfinite(score)] for score, row in zip(scores, rows, strict=True)],
            np.array(
                [score[np.isfinite(score)][-1] if np.isfinite(score[0]) else np.inf for score in scores]
            ),
        )
        for label, (scores, rows) in best.items()
    }


def recall_at_k(found: list[list[int]], exact: Exact, queries: np.ndarray, vectors: np.ndarray) -> float:
    """The share of each query's exact top K found: documents scoring at least the K-th best count
    (a document tied with it is as right as the one the exact scan happened to list)."""
    rows, kth = exact
    shares = []
    for query, hits, truth, floor in zip(queries, found, rows, kth, strict=True):
        hits = list(dict.fromkeys(hits))
        scores = vectors[np.asarray(hits, dtype=np.int64)] @ query if hits else np.zeros(0)
        shares.append(min(int(np.sum(scores >= floor - 1e-5)), len(truth)) / max(len(truth), 1))
    return float(np.mean(shares))


def timed_searches(search, queries: np.ndarray) -> dict:
    """The first search's time, then p50 / p99 over every query one at a time, and what was found."""
    started = time.perf_counter()
    search(queries[0])
    first = (time.perf_counter() - started) * 1000
    times, found = [], []
    for vector in queries:
        started = time.perf_counter()
        found.append(search(vector))
        times.append((time.perf_counter() - started) * 1000)
    return {
        "first_ms": round(first, 1),
        "p50_ms": round(statistics.median(times), 2),
        "p99_ms": round(float(np.percentile(times, 99)), 2),
        "found": found,
    }


def run_align(work: Path, collection: dict, model: str) -> dict:
    """The store: ingest, save, reopen, search."""
    from align.store import Store

    directory = work / "align-store"
    buckets = np.load(work / "buckets.npy")
    store = Store(directory, model, lid=None, index="compact")
    store.index_field("bucket")
    started = time.perf_counter()
    for start, block, texts in read_blocks(work, collection["dimension"], collection["documents"]):
        ids = [str(n) for n in range(start, start + len(block))]
        metadata = [{"bucket": int(b)} for b in buckets[start : start + len(block)]]
        store.upsert(ids, texts, metadata, [None] * len(ids), vectors=block)
        if start % 1_000_000 == 0:
            print(f"  align: {start + len(block):,} documents", flush=True)
    ingest = time.perf_counter() - started
    started = time.perf_counter()
    store.reindex()  # codes trained at 100k documents, trained again for all of them
    reindexing = time.perf_counter() - started
    index = store._index.describe()
    started = time.perf_counter()
    store.close()
    saving = time.perf_counter() - started
    started = time.perf_counter()
    store = Store(directory, readonly=True)
    opening = time.perf_counter() - started
    queries = np.load(work / "queries.npy")
    searches = {}
    for label, below in FILTERS.items():
        where = None if below is None else {"bucket": {"$lt": below}}

        def search(vector, where=where):
            return [int(hit.id) for hit in store.search(vector=vector, k=K, where=where)]

        searches[label] = timed_searches(search, queries)
    return {
        "index": index,
        "ingest_s": round(ingest + reindexing, 1),
        "upsert_s": round(ingest, 1),
        "reindex_s": round(reindexing, 1),
        "save_s": round(saving, 1),
        "open_ms": round(opening * 1000, 1),
        "searches": searches,
    }


def run_lancedb(work: Path, collection: dict, lists: int) -> dict:
    """LanceDB: ingest (a table from Arrow batches), its IVF_SQ and B-tree indexes, reopen, search."""
    import lancedb
    import pyarrow as pa

    dimension = collection["dimension"]
    schema = pa.schema(
        [
            ("id", pa.int64()),
            ("text", pa.string()),
            ("bucket", pa.int32()),
            ("vector", pa.list_(pa.float32(), dimension)),
        ]
    )
    buckets = np.load(work / "buckets.npy")

    def batches() -> Iterator[pa.RecordBatch]:
        for start, block, texts in read_blocks(work, dimension, collection["documents"]):
            columns = [
                pa.array(np.arange(start, start + len(block))),
                pa.array(texts),
                pa.array(buckets[start : start + len(block)]),
                pa.FixedSizeListArray.from_arrays(pa.array(block.reshape(-1)), dimension),
            ]
            yield pa.RecordBatch.from_arrays(columns, schema=schema)

    directory = work / "lancedb"
    started = time.perf_counter()
    table = lancedb.connect(directory).create_table(
        "documents", data=pa.RecordBatchReader.from_batches(schema, batches())
    )
    inserting = time.perf_counter() - started
    started = time.perf_counter()
    table.create_index(metric="dot", num_partitions=lists, index_type="IVF_SQ")
    table.create_scalar_index("bucket")
    indexing = time.perf_counter() - started
    started = time.perf_counter()
    table = lancedb.connect(directory).open_table("documents")
    opening = time.perf_counter() - started
    queries = np.load(work / "queries.npy")
    searches = {}
    for label, below in FILTERS.items():

        def search(vector, below=below):
            query = (
                table.search(vector).nprobes(DEFAULT_NPROBE).refine_factor(RESCORE).limit(K).select(["id"])
            )
            if below is not None:
                query = query.where(f"bucket < {below}", prefilter=True)
            return query.to_arrow()["id"].to_pylist()

        searches[label] = timed_searches(search, queries)
    return {
        "index": f"IVF_SQ, {lists} partitions",
        "ingest_s": round(inserting + indexing, 1),
        "insert_s": round(inserting, 1),
        "index_s": round(indexing, 1),
        "open_ms": round(opening * 1000, 1),
        "searches": searches,
    }


def peak_resident_gib() -> float:
    """This process's peak resident memory (VmHWM: its own, where getrusage's ru_maxrss also
    counts the parent's peak, inherited through fork and exec)."""
    status = Path("/proc/self/status").read_text()
    kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    return round(kib / 2**20, 2)


def measured_side(side: str, args, work: Path, index: str | None) -> dict:
    """One system's run in a child process: its figures, its peak memory and its size on disk."""
    command = [sys.executable, __file__, "--side", side, "--work", str(work), "--model", args.model]
    if index:
        command += ["--lance-index", index]
    status = subprocess.run(command).returncode
    if status != 0:
        sys.exit(f"{side} failed (status {status})")
    figures = json.loads((work / f"{side}.json").read_text())
    files = work / ("align-store" if side == "align" else "lancedb")
    figures["size_mib"] = round(sum(p.stat().st_size for p in files.rglob("*") if p.is_file()) / 2**20)
    shutil.rmtree(files)
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = script_arguments(__doc__, report="store_scale")
    parser.add_argument("--model", required=True)
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--work", type=Path, help="Where the collection and both systems' files go (kept).")
    parser.add_argument("--against", choices=["lancedb", "none"], default="lancedb")
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--lance-index", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.side:  # a child: one system, its figures written beside the collection
        collection = json.loads((args.work / "collection.json").read_text())
        if args.side == "align":
            figures = run_align(args.work, collection, args.model)
        else:
            figures = run_lancedb(args.work, collection, int(args.lance_index))
        figures["peak_rss_gib"] = peak_resident_gib()
        (args.work / f"{args.side}.json").write_text(json.dumps(figures))
        return
    if args.against == "lancedb":
        try:
            import lancedb  # noqa: F401
        except ImportError:
            sys.exit("store_scale.py compares with LanceDB: pip install lancedb (or --against none)")
    with tempfile.TemporaryDirectory(prefix="align-store-scale-") as scratch:
        work = args.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        report = Report("store_scale", args.data / "train", args.output)
        collection = make_collection(args, work)
        exact = exact_neighbours(work, collection)
        sides = {"align": measured_side("align", args, work, None)}
        index = sides["align"]["index"]  # IVFn,SQ8: LanceDB gets as many lists
        if args.against == "lancedb":
            if not index.startswith("IVF"):
                sys.exit(f"the store's index is {index}: too few documents for a compact index to compare")
            sides["lancedb"] = measured_side("lancedb", args, work, index[3:].split(",")[0])
        figures = summarise(sides, exact, work, collection)
    report.write(
        {
            "model": args.model,
            "documents": args.documents,
            "queries": args.queries,
            "nprobe": DEFAULT_NPROBE,
            "k": K,
        },
        pool_sentences=collection["pool"],
        dimension=collection["dimension"],
        systems=figures,
    )


def summarise(sides: dict[str, dict], exact: dict[str, Exact], work: Path, collection: dict) -> dict:
    """Each system's figures with recall@10 per filter in place of what it found; printed as a table."""
    documents = collection["documents"]
    queries = np.load(work / "queries.npy")
    shape = (documents, collection["dimension"])
    vectors = np.memmap(work / "vectors.f32", dtype=np.float32, mode="r", shape=shape)
    print(f"\n{documents:,} documents")
    columns = (
        "system, ingest docs/s, size MiB, peak GiB, open ms, filter, first ms, p50 ms, p99 ms, recall@10"
    )
    print("| " + columns.replace(", ", " | ") + " |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for side, figures in sides.items():
        figures["ingest_documents_per_second"] = round(documents / max(figures["ingest_s"], 0.1))
        for label, searched in figures["searches"].items():
            found = searched.pop("found")
            searched["recall_at_10"] = round(recall_at_k(found, exact[label], queries, vectors), 4)
            print(
                f"| {side} | {figures['ingest_documents_per_second']:,} | {figures['size_mib']:,} | "
                f"{figures['peak_rss_gib']} | {figures['open_ms']} | {label} | {searched['first_ms']} | "
                f"{searched['p50_ms']} | {searched['p99_ms']} | {searched['recall_at_10']} |"
            )
    return sides


if __name__ == "__main__":
    main()
