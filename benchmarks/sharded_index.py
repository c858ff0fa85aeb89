"""Benchmark: one merged index per side against FAISS ``IndexShards`` over per-shard indexes.

    python benchmarks/sharded_index.py --model MODEL [--size 2000000] [--shard-size 250000] \\
        [--queries 5000]

The sharded mining pipeline (`align.mining.sharded`) builds one index per side from all its
embedding shards and searches it with every query shard. The alternative is an index per shard,
searched together through ``faiss.IndexShards``. On the target side of a ``--size`` joined pool
(`benchmarks.pools.joined_pool`) and ``--queries`` of its source sentences, this builds:

- **merged**: the default index for the whole side (``choose_factory(size)``);
- **shards, same type**: one index of that type per shard of ``--shard-size``, in ``IndexShards``;
- **shards, own default**: each shard with the default for its own size (``choose_factory(shard)``).

Each with the default search parameters. Reported: build time, search time for the queries, and
recall of their 4 nearest against exact search in the same run.

Writes benchmarks/results/sharded_index.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import time
from collections.abc import Callable

import faiss
import numpy as np

from align.encode import encode_texts, load_encoder
from align.index.settings import choose_factory
from align.index.vectors import VectorIndex
from benchmarks.common import Report, exact_top_k, script_arguments
from benchmarks.pools import joined_pool

K = 4


def exact_ids(base: np.ndarray, queries: np.ndarray, block: int = 20_000) -> np.ndarray:
    """The exact ``K`` nearest rows of ``base`` for each query (:func:`benchmarks.common.exact_top_k`)."""
    return exact_top_k(base, queries, K, block)[1]


def recall(found: np.ndarray, exact: np.ndarray) -> float:
    hits = (found[:, :, None] == exact[:, None, :]).any(axis=2).sum(axis=1)
    return round(100 * float(hits.mean()) / K, 2)


def measure(
    name: str,
    build: Callable[[], tuple[Callable[[np.ndarray], np.ndarray], str]],
    queries: np.ndarray,
    exact: np.ndarray,
) -> dict:
    """Build with ``build() -> (search, factory)``, search the queries, time both."""
    started = time.perf_counter()
    search, factory = build()
    built = time.perf_counter()
    ids = search(queries)
    searched = time.perf_counter()
    row = {
        "layout": name,
        "factory": factory,
        "build_seconds": round(built - started, 1),
        "search_seconds": round(searched - built, 2),
        "recall": recall(ids, exact),
    }
    print(
        f"{name}: {factory}, build {row['build_seconds']} s, search {row['search_seconds']} s, "
        f"recall@{K} {row['recall']} %"
    )
    return row


class ShardedIndex:
    """Per-shard :class:`VectorIndex` es (each with its search parameters set) searched together
    through one ``faiss.IndexShards``, ids running on from shard to shard."""

    def __init__(self, base: np.ndarray, shard_size: int, factory_for: Callable[[int], str]) -> None:
        starts = range(0, len(base), shard_size)
        self.parts = [
            VectorIndex.build(
                base[start : start + shard_size], factory=factory_for(min(shard_size, len(base) - start))
            )
            for start in starts
        ]
        self.shards = faiss.IndexShards(base.shape[1], False, True)  # FAISS threads inside each shard
        for part in self.parts:
            self.shards.add_shard(part.index)
        self.factory = self.parts[0].info.factory

    def __call__(self, queries: np.ndarray) -> np.ndarray:
        return self.shards.search(queries, K)[1]


def main(argv: list[str] | None = None) -> None:
    parser = script_arguments(__doc__, report="sharded_index")
    parser.add_argument("--model", required=True, help="an en-zh model from `align train`")
    parser.add_argument("--size", type=int, default=2_000_000)
    parser.add_argument("--shard-size", type=int, default=250_000)
    parser.add_argument("--queries", type=int, default=5_000)
    args = parser.parse_args(argv)
    report = Report("sharded_index", args.data, args.output)
    source, target, _ = joined_pool(args.data, args.size, seed=12)
    model = load_encoder(args.model)
    base = encode_texts(model, target, show_progress_bar=True)
    queries = encode_texts(model, source[: args.queries])
    exact = exact_ids(base, queries)
    count, dimension = base.shape

    def merged() -> tuple:
        index = VectorIndex.build(base, factory=choose_factory(count, dimension))
        return (lambda found: index.search(found, K)[1]), index.info.factory

    def shards(factory_for: Callable[[int], str]) -> tuple:
        index = ShardedIndex(base, args.shard_size, factory_for)
        return index, index.factory

    rows = [
        measure("merged", merged, queries, exact),
        measure(
            "shards, same type",
            lambda: shards(lambda _: choose_factory(count, dimension)),
            queries,
            exact,
        ),
        measure(
            "shards, own default",
            lambda: shards(lambda rows: choose_factory(rows, dimension)),
            queries,
            exact,
        ),
    ]
    settings = {
        "model": args.model,
        "size": args.size,
        "shard_size": args.shard_size,
        "queries": args.queries,
    }
    report.write(settings, layouts=rows)


if __name__ == "__main__":
    main()
