"""Benchmark: `align filter` in shards keeps its memory bounded as the bitext grows.

    python benchmarks/filter_scale.py --model MODEL [--size 250000 --size 1000000]

Builds bitexts of each size from `train/en-zh` (55k pairs, each copy of a pair numbered on both
sides, "Good morning. 17" / "早上好。17", so no two pairs are alike), and runs
`align filter --shard-size 250000 --work-dir W` on each in a child process, as a user does: wall
time, pairs/s and the child's peak resident memory (its own, from `wait4`). Bounded means the peak
stays flat while the size grows. Writes benchmarks/results/filter_scale.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tempfile

from benchmarks.common import Report, read_lines, run_align_measured, script_arguments

SHARD_SIZE = 250_000


def write_bitext(data: Path, size: int, folder: Path) -> tuple[Path, Path]:
    """``size`` numbered copies of the en-zh training pairs, as a Moses pair under ``folder``."""
    english = read_lines(data / "train/en-zh/mixed.en-zh.en")
    chinese = read_lines(data / "train/en-zh/mixed.en-zh.zh")
    source, target = folder / f"scale{size}.en-zh.en", folder / f"scale{size}.en-zh.zh"
    with open(source, "w", encoding="utf-8") as en, open(target, "w", encoding="utf-8") as zh:
        for row in range(size):
            copy, pair = divmod(row, len(english))
            en.write(f"{english[pair]} {copy}\n")
            zh.write(f"{chinese[pair]}{copy}\n")
    return source, target


def run_filter(model: str, source: Path, work: Path) -> dict[str, float]:
    """One ``align filter`` in a child process: its wall time and peak memory."""
    output, work_dir = work / "kept.tsv", work / "w"
    run = run_align_measured(
        "filter", source, "--model", model, "-o", output, "--shard-size", SHARD_SIZE, "--work-dir", work_dir
    )
    print(run.stdout)
    return {"seconds": round(run.seconds, 1), "peak_rss_gb": round(run.peak_rss_gb, 2)}


def main(argv: list[str] | None = None) -> None:
    parser = script_arguments(__doc__, report="filter_scale")
    parser.add_argument("--model", required=True)
    parser.add_argument("--size", type=int, action="append", help="Pairs (default 250,000 and 1,000,000).")
    args = parser.parse_args(argv)
    sizes = args.size or [250_000, 1_000_000]
    report = Report("filter_scale", args.data, args.output)
    results = {}
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="filter-scale-") as tmp:
            source, _ = write_bitext(args.data, size, Path(tmp))
            result = run_filter(args.model, source, Path(tmp))
        result["pairs_per_second"] = round(size / result["seconds"], 1)
        results[str(size)] = result
        print(f"{size:,} pairs: {result}")
    report.write({"model": args.model, "sizes": sizes, "shard_size": SHARD_SIZE}, results=results)


if __name__ == "__main__":
    main()
