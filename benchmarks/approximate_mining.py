"""Benchmark: how close approximate search comes to exact search in mining F1, and what closes the gap.

    python benchmarks/approximate_mining.py --model MODEL [--size 200000] \\
        [--setting "default" --setting "ivf nprobe=16" --setting "HNSW32,SQfp16 efSearch=64" ...]

Two pools: the dev pool (`benchmarks.pools.build_pool`: 2,250 en-zh gold pairs among 20,000
unpaired sentences a side) and a pool of ``--size`` joined sentences (`benchmarks.pools.joined_pool`,
10 % translations). On each, both sides are embedded once, then mined with exact search (``Flat``)
and with every setting (a FAISS ``index_factory`` string and its search-time parameters), each with
and without reverse neighbours (`align.mining.margin.with_reverse_neighbours`). Reported for each:
F1 at its own calibrated threshold, its difference to exact search's F1 in the same run (the
issue's bar: within 1 point), the recall of the k-NN lists against the exact ones, and the time to
build and search both indexes.

Writes benchmarks/results/approximate_mining.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import time

import faiss
import numpy as np

from align.encode import encode_texts, load_encoder
from align.index.settings import approximate_factory, ivf_lists
from align.index.vectors import VectorIndex
from align.mining import calibrate_threshold
from align.mining.margin import Neighbours, mine_from_neighbours, with_reverse_neighbours
from benchmarks.common import Report, script_arguments
from benchmarks.pools import DISTRACTORS, build_pool, dev_pairs, joined_pool

K = 4


def knn(index: VectorIndex, queries: np.ndarray) -> Neighbours:
    cosines, ids = index.search(queries, K)
    return Neighbours(ids=ids, cosines=cosines)


def list_recall(found: Neighbours, exact: Neighbours) -> float:
    """Share of the exact k nearest that the approximate lists hold."""
    hits = (found.ids[:, :, None] == exact.ids[:, None, :]).any(axis=2).sum(axis=1)
    return round(100 * float(hits.mean()) / K, 2)


def best_f1(forward: Neighbours, backward: Neighbours, gold: set[tuple[int, int]]) -> float:
    pairs = mine_from_neighbours(forward, backward, kind="ratio", mode="max")
    return round(calibrate_threshold(pairs, gold).f1, 2)


def parse_setting(setting: str, size: int, dimension: int) -> tuple[str, str]:
    """``"FACTORY PARAMS"``: ``default`` is the approximate index align picks for ``size`` vectors
    (searched with align's parameters unless PARAMS say otherwise); ``ivf`` its default before
    0.2, ``IVF…,SQfp16`` with the same number of lists."""
    factory, _, parameters = setting.partition(" ")
    names = {"default": approximate_factory(size, dimension), "ivf": f"IVF{ivf_lists(size)},SQfp16"}
    return names.get(factory, factory), parameters.strip()


def compare(source: np.ndarray, target: np.ndarray, gold: set[tuple[int, int]], settings: list[str]) -> dict:
    """Exact search, then each setting with and without reverse neighbours, on one pool."""
    started = time.perf_counter()
    exact = VectorIndex.build(target, factory="Flat"), VectorIndex.build(source, factory="Flat")
    exact_forward, exact_backward = knn(exact[0], source), knn(exact[1], target)
    result = {
        "size": [len(source), len(target)],
        "exact_f1": best_f1(exact_forward, exact_backward, gold),
        "exact_seconds": round(time.perf_counter() - started, 1),
        "settings": [],
    }
    del exact
    print(f"  exact: F1 {result['exact_f1']} ({result['exact_seconds']} s)", flush=True)
    built: dict[str, tuple[VectorIndex, VectorIndex, float]] = {}
    for setting in settings:
        factory, parameters = parse_setting(setting, len(target), target.shape[1])
        if factory not in built:
            started = time.perf_counter()
            indexes = VectorIndex.build(target, factory=factory), VectorIndex.build(source, factory=factory)
            built = {factory: (*indexes, time.perf_counter() - started)}  # one factory in memory at a time
        to_target, to_source, build_seconds = built[factory]
        for index in (to_target, to_source):
            if parameters:
                faiss.ParameterSpace().set_index_parameters(index.index, parameters)
        started = time.perf_counter()
        forward, backward = knn(to_target, source), knn(to_source, target)
        search_seconds = time.perf_counter() - started
        merged = with_reverse_neighbours(forward, backward), with_reverse_neighbours(backward, forward)
        for reverse, (f, b) in (("off", (forward, backward)), ("on", merged)):
            f1 = best_f1(f, b, gold)
            row = {
                "factory": factory,
                "parameters": parameters,
                "reverse_neighbours": reverse,
                "f1": f1,
                "f1_minus_exact": round(f1 - result["exact_f1"], 2),
                "recall_forward": list_recall(f, exact_forward),
                "recall_backward": list_recall(b, exact_backward),
                "build_seconds": round(build_seconds, 1),
                "search_seconds": round(search_seconds, 1),
            }
            result["settings"].append(row)
            print(
                f"  {factory} {parameters} reverse {reverse}: F1 {f1} ({row['f1_minus_exact']:+}), "
                f"recall {row['recall_forward']} / {row['recall_backward']}",
                flush=True,
            )
    return result


def markdown(name: str, result: dict) -> str:
    lines = [
        f"\n{name} ({result['size'][0]:,} × {result['size'][1]:,}): exact F1 {result['exact_f1']}",
        "\n| index | search | reverse neighbours | F1 | vs exact | recall fwd / bwd | build | search |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in result["settings"]:
        lines.append(
            f"| `{row['factory']}` | {row['parameters']} | {row['reverse_neighbours']} | {row['f1']} | "
            f"{row['f1_minus_exact']:+.2f} | {row['recall_forward']} / {row['recall_backward']} | "
            f"{row['build_seconds']} s | {row['search_seconds']} s |"
        )
    return "\n".join(lines)


DEFAULT_SETTINGS = ["default", "default k_factor_rf=8", "ivf nprobe=16"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = script_arguments(__doc__, report="approximate_mining")
    parser.add_argument("--model", required=True, help="an en-zh model from `align train`")
    parser.add_argument("--size", type=int, default=200_000)
    parser.add_argument(
        "--setting",
        action="append",
        help="'FACTORY PARAMS'; 'default' is align's approximate index, 'ivf' the IVF one it replaced",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    report = Report("approximate_mining", args.data, args.output)
    model = load_encoder(args.model)
    settings = args.setting or DEFAULT_SETTINGS
    figures = {}
    folds = dev_pairs(args.data)
    dev = build_pool(args.data, folds["captions"] + folds["microblog"], DISTRACTORS, seed=1)
    print("dev pool", flush=True)
    figures["dev"] = compare(
        encode_texts(model, dev.source_texts, show_progress_bar=True),
        encode_texts(model, dev.target_texts, show_progress_bar=True),
        dev.gold,
        settings,
    )
    source, target, gold = joined_pool(args.data, args.size, seed=11)
    print(f"joined pool of {args.size:,}", flush=True)
    figures["joined"] = compare(
        encode_texts(model, source, show_progress_bar=True),
        encode_texts(model, target, show_progress_bar=True),
        gold,
        settings,
    )
    print(markdown("Dev pool", figures["dev"]))
    print(markdown("Joined pool", figures["joined"]))
    report.write({"model": args.model, "size": args.size, "settings": settings, "k": K}, **figures)


if __name__ == "__main__":
    main()
