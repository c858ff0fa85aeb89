"""Benchmark: encoding and training throughput, and mining time as the collection grows.

- Encoding: sentences per second for each model given, on the same 20,000 real sentences.
- Training: pairs per second of `align train` defaults on en-zh (two epochs).
- Mining: wall time of `align mine` (encoding included) on pools of 1k → 1M sentences a side,
  built as in mine_scale.py; plotted on log-log axes.

    python benchmarks/throughput.py --model MODEL [--model MODEL2] [--sizes 1000,10000,100000,1000000]

Writes benchmarks/results/throughput.json and throughput_mining.png.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import tempfile
import time

from align.encode import encode_texts, load_encoder
from align.training import TrainConfig, train
from benchmarks.common import RESULTS, Report, read_lines, run_align, script_arguments, write_lines
from benchmarks.pools import joined_pool


def encode_rate(model_path: str, sentences: list[str]) -> float:
    model = load_encoder(model_path)
    encode_texts(model, sentences[:256])  # warm-up
    started = time.perf_counter()
    encode_texts(model, sentences)
    return len(sentences) / (time.perf_counter() - started)


def train_rate(data: Path, work: Path) -> float:
    started = time.perf_counter()
    result = train(
        TrainConfig(pairs="en-zh", data=str(data / "train/en-zh"), output=str(work / "m"), epochs=2)
    )
    return result.train_pairs * 2 / (time.perf_counter() - started)


def mining_time(model_path: str, data: Path, size: int, work: Path) -> float:
    """`align mine` as a user runs it, on a joined pool of ``size`` a side: start-up and encoding count."""
    source, target, _ = joined_pool(data, size, seed=size)
    write_lines(work / "s.txt", source)
    write_lines(work / "t.txt", target)
    run = run_align(
        "mine",
        "--model", model_path,
        "--src", work / "s.txt",
        "--tgt", work / "t.txt",
        "--output", work / "p.tsv",
        "--force",
        show_output=False,
    )  # fmt: skip
    return run.seconds


def plot_mining(seconds: dict[int, float], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = list(seconds)
    figure, axes = plt.subplots(figsize=(5, 4))
    axes.loglog(sizes, [seconds[s] for s in sizes], marker="o")
    axes.set_xlabel("sentences on each side")
    axes.set_ylabel("align mine wall time (s), encoding included")
    axes.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = script_arguments(__doc__)
    parser.add_argument("--model", action="append", required=True, help="the first one is used for mining")
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--output-dir", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    sentences = read_lines(args.data / "train/en-de/captions.en-de.en")[:20_000]

    report = Report("throughput", args.data, args.output_dir / "throughput.json")
    figures: dict = {"encode_sentences_per_second": {}, "mining_seconds": {}}
    for model in args.model:
        rate = encode_rate(model, sentences)
        figures["encode_sentences_per_second"][model] = round(rate)
        print(f"encode {model}: {rate:,.0f} sentences/s", flush=True)
    with tempfile.TemporaryDirectory() as work:
        rate = train_rate(args.data, Path(work))
        figures["train_pairs_per_second"] = round(rate)
        print(f"align train (static defaults, en-zh): {rate:,.0f} pairs/s", flush=True)
        for size in (int(s) for s in args.sizes.split(",")):
            seconds = mining_time(args.model[0], args.data, size, Path(work))
            figures["mining_seconds"][size] = round(seconds, 1)
            print(f"align mine {size:,} × {size:,}: {seconds:.1f} s", flush=True)

    report.write({"models": args.model, "sizes": args.sizes}, **figures)
    plot_mining(figures["mining_seconds"], args.output_dir / "throughput_mining.png")


if __name__ == "__main__":
    main()
