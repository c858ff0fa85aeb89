"""Benchmark: mining at scale, and how much the approximate index loses against exact search.

Real sentences are scarce here, so large pools are built by joining random pairs of real ones:
a "parallel" item is (en_a + " " + en_b, zh_a + zh_b) from two en-zh training pairs; the rest of
each side joins random English (all training corpora) or random Chinese lines. 10 % of the items
are parallel; both sides are shuffled.

1. Recall on a 100k × 100k pool: pairs mined with exact search (Flat) above the threshold that
   maximises F1 on the known parallel items, against the pairs mined with the default
   approximate index at several ``nprobe`` values, above the same threshold.
2. End to end: `align mine` on a 1M × 1M pool (encoding included) in a subprocess, with its
   wall time and peak resident memory.

    python benchmarks/mine_scale.py --model MODEL [--size 1000000] [--sample 100000]

Writes benchmarks/results/mine_scale.json.
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from align.bench.report import report_header, write_json
from align.encode import encode_texts, load_encoder
from align.mining import calibrate_threshold, mine


def lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def joined_pool(
    data: Path, size: int, seed: int, parallel_fraction: float = 0.1
) -> tuple[list[str], list[str], set[tuple[int, int]]]:
    rng = random.Random(seed)
    english_zh = (data / "train/en-zh/mixed.en-zh.en").read_text(encoding="utf-8").splitlines()
    chinese = (data / "train/en-zh/mixed.en-zh.zh").read_text(encoding="utf-8").splitlines()
    english_all = (
        english_zh
        + lines(data / "train/en-de/captions.en-de.en")
        + lines(data / "train/en-fr/captions.en-fr.en")
    )
    parallel = int(size * parallel_fraction)
    source, target = [], []
    for _ in range(parallel):
        a, b = rng.randrange(len(chinese)), rng.randrange(len(chinese))
        source.append(f"{english_zh[a]} {english_zh[b]}")
        target.append(f"{chinese[a]}{chinese[b]}")
    for _ in range(size - parallel):
        source.append(f"{rng.choice(english_all)} {rng.choice(english_all)}")
        target.append(f"{rng.choice(chinese)}{rng.choice(chinese)}")
    source_order, target_order = list(range(size)), list(range(size))
    rng.shuffle(source_order)
    rng.shuffle(target_order)
    source_row = {old: new for new, old in enumerate(source_order)}
    target_row = {old: new for new, old in enumerate(target_order)}
    gold = {(source_row[i], target_row[i]) for i in range(parallel)}
    return [source[i] for i in source_order], [target[i] for i in target_order], gold


def recall_against_exact(model_path: str, data: Path, size: int, nprobes: list[int]) -> dict:
    model = load_encoder(model_path)
    source_texts, target_texts, gold = joined_pool(data, size, seed=11)
    source, target = encode_texts(model, source_texts), encode_texts(model, target_texts)
    started = time.perf_counter()
    exact = mine(source, target, factory="Flat")
    exact_seconds = time.perf_counter() - started
    calibration = calibrate_threshold(exact, gold)
    exact_pairs = exact.above(calibration.threshold)
    exact_set = set(zip(exact_pairs.source_ids.tolist(), exact_pairs.target_ids.tolist(), strict=True))
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
        approximate = mine(source, target, nprobe=nprobe)
        seconds = time.perf_counter() - started
        above = approximate.above(calibration.threshold)
        found = set(zip(above.source_ids.tolist(), above.target_ids.tolist(), strict=True))
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
    (work / "src.txt").write_text("\n".join(source) + "\n", encoding="utf-8")
    (work / "tgt.txt").write_text("\n".join(target) + "\n", encoding="utf-8")
    del source, target
    command = [
        sys.executable,
        "-m",
        "align.cli",
        "mine",
        "--model",
        model_path,
        "--src",
        str(work / "src.txt"),
        "--tgt",
        str(work / "tgt.txt"),
        "--output",
        str(work / "pairs.tsv"),
        "--threshold",
        str(threshold),
        "--line-numbers",
    ]
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        sys.exit(f"align mine failed:\n{completed.stderr[-4000:]}")
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    found = set()
    with open(work / "pairs.tsv", encoding="utf-8") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            found.add((int(parts[3]) - 1, int(parts[4]) - 1))
    correct = len(found & gold)
    return {
        "size": size,
        "wall_seconds": round(seconds, 1),
        "peak_memory_gb": round(peak_kib / 1024**2, 2),
        "mined": len(found),
        "precision": 100 * correct / max(1, len(found)),
        "recall": 100 * correct / len(gold),
        "output": completed.stdout.strip(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--model", required=True, help="an en-zh model from `align train`")
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=100_000)
    parser.add_argument("--nprobe", default="8,16,32")
    parser.add_argument("--skip-end-to-end", action="store_true", help="only the recall check on --sample")
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "results" / "mine_scale.json")
    args = parser.parse_args()
    run_started = time.perf_counter()

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
    report = report_header(
        "mine_scale", data=str(args.data), settings=settings, seconds=time.perf_counter() - run_started
    )
    report.update(recall=recall, scale=scale)
    write_json(report, args.output)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
