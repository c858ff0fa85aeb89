"""Benchmark: mining at scale, and how much the approximate index loses against exact search.

Real sentences are scarce here, so large pools are built by joining random pairs of real ones
(`benchmarks.pools.joined_pool`): a "parallel" item is (en_a + " " + en_b, zh_a + zh_b) from two
en-zh training pairs; the rest of each side joins random English (all training corpora) or random
Chinese lines. 10 % of the items are parallel; both sides are shuffled.

1. Recall on a 100k × 100k pool: pairs mined with exact search (Flat) above the threshold that
   maximises F1 on the known parallel items, against the pairs mined with the default
   approximate index at several ``nprobe`` values, above the same threshold.
2. End to end: `align mine` on a 1M × 1M pool (encoding included) in a subprocess, with its
   wall time and peak resident memory.

    python benchmarks/mine_scale.py --model MODEL [--size 1000000] [--sample 100000]

Writes benchmarks/results/mine_scale.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import resource
import tempfile
import time

from align.encode import encode_texts, load_encoder
from align.mining import MinedPairs, MiningConfig, calibrate_threshold, mine
from benchmarks.common import Report, run_align, script_arguments, write_lines
from benchmarks.pools import EXACT_MINING, joined_pool


def _pair_set(pairs: MinedPairs) -> set[tuple[int, int]]:
    return set(zip(pairs.source_ids.tolist(), pairs.target_ids.tolist(), strict=True))


def recall_against_exact(model_path: str, data: Path, size: int, nprobes: list[int]) -> dict:
    model = load_encoder(model_path)
    source_texts, target_texts, gold = joined_pool(data, size, seed=11)
    source = encode_texts(model, source_texts, show_progress_bar=True)
    target = encode_texts(model, target_texts, show_progress_bar=True)
    started = time.perf_counter()
    exact = mine(source, target, EXACT_MINING)
    exact_seconds = time.perf_counter() - started
    calibration = calibrate_threshold(exact, gold)
    exact_set = _pair_set(exact.above(calibration.threshold))
    result = {
        "size": size,
        "threshold": calibration.threshold,
        "exact_f1": calibration.f1,
        "exact_pairs": len(exact_set),
        "exact_seconds": round(exact_seconds, 1),
        "approximate": [],
    }
    for nprobe in nprobes:
        started = time.perf_counter()
        approximate = mine(source, target, MiningConfig(nprobe=nprobe))
        seconds = time.perf_counter() - started
        found = _pair_set(approximate.above(calibration.threshold))
        # Missed neighbours lower the neighbourhood means and so raise ratio margins: judged at the
        # exact threshold an approximate run keeps more pairs, so also give F1 at its own threshold.
        own = calibrate_threshold(approximate, gold)
        result["approximate"].append(
            {
                "nprobe": nprobe,
                "kept_of_exact": 100 * len(found & exact_set) / len(exact_set),
                "pairs_at_exact_threshold": len(found),
                "own_threshold": own.threshold,
                "own_f1": own.f1,
                "seconds": round(seconds, 1),
            }
        )
    return result


def end_to_end(model_path: str, data: Path, size: int, threshold: float, work: Path) -> dict:
    source, target, gold = joined_pool(data, size, seed=12)
    write_lines(work / "src.txt", source)
    write_lines(work / "tgt.txt", target)
    del source, target
    run = run_align(
        "mine",
        "--model", model_path,
        "--src", work / "src.txt",
        "--tgt", work / "tgt.txt",
        "--output", work / "pairs.tsv",
        "--threshold", str(threshold),
        "--line-numbers",
        show_output=False,
    )  # fmt: skip
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    found = set()
    with open(work / "pairs.tsv", encoding="utf-8") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            found.add((int(parts[3]) - 1, int(parts[4]) - 1))
    correct = len(found & gold)
    return {
        "size": size,
        "wall_seconds": round(run.seconds, 1),
        "peak_memory_gb": round(peak_kib / 1024**2, 2),
        "mined": len(found),
        "precision": 100 * correct / max(1, len(found)),
        "recall": 100 * correct / len(gold),
        "output": run.stdout.strip(),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = script_arguments(__doc__, report="mine_scale")
    parser.add_argument("--model", required=True, help="an en-zh model from `align train`")
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=100_000)
    parser.add_argument("--nprobe", default="8,16,32")
    parser.add_argument("--skip-end-to-end", action="store_true", help="only the recall check on --sample")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    report = Report("mine_scale", args.data, args.output)

    recall = recall_against_exact(
        args.model, args.data, args.sample, [int(n) for n in args.nprobe.split(",")]
    )
    print(
        f"\n{args.sample:,} × {args.sample:,}: exact search finds {recall['exact_pairs']:,} pairs above the "
        f"calibrated threshold {recall['threshold']:.4f} (F1 {recall['exact_f1']:.1f}), "
        f"in {recall['exact_seconds']} s"
    )
    print(
        "\n| nprobe | kept of exact pairs | pairs there | own threshold | F1 there | time |"
        "\n|---|---|---|---|---|---|"
    )
    for row in recall["approximate"]:
        print(
            f"| {row['nprobe']} | {row['kept_of_exact']:.2f} % | {row['pairs_at_exact_threshold']:,} | "
            f"{row['own_threshold']:.4f} | {row['own_f1']:.1f} | {row['seconds']} s |"
        )
    if args.skip_end_to_end:
        return
    with tempfile.TemporaryDirectory() as work:
        scale = end_to_end(args.model, args.data, args.size, recall["threshold"], Path(work))
    print(
        f"\n{args.size:,} × {args.size:,} end to end (encoding included): {scale['wall_seconds']:.0f} s, "
        f"peak memory {scale['peak_memory_gb']:.2f} GB; {scale['mined']:,} pairs mined, "
        f"precision {scale['precision']:.1f} %, recall {scale['recall']:.1f} % of the parallel items"
    )
    settings = {"model": args.model, "size": args.size, "sample": args.sample, "nprobe": args.nprobe}
    report.write(settings, recall=recall, scale=scale)


if __name__ == "__main__":
    main()
