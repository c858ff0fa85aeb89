"""Benchmark: encoding and training throughput, and mining time as the collection grows.

- Encoding: sentences per second for each model given, on the same 20,000 real sentences.
- Training: pairs per second of `align train` defaults on en-zh (two epochs).
- Mining: wall time of `align mine` (encoding included) on pools of 1k → 1M sentences a side,
  built as in mine_scale.py; plotted on log-log axes.

    python benchmarks/throughput.py --model MODEL [--model MODEL2] [--sizes 1000,10000,100000,1000000]

Writes benchmarks/results/throughput.json and throughput_mining.png.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mine_scale import joined_pool

from align.bench.report import report_header, write_json
from align.encode import encode_texts, load_encoder
from align.training import TrainConfig, train


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
    source, target, _ = joined_pool(data, size, seed=size)
    (work / "s.txt").write_text("\n".join(source) + "\n", encoding="utf-8")
    (work / "t.txt").write_text("\n".join(target) + "\n", encoding="utf-8")
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "align.cli",
            "mine",
            "--model",
            model_path,
            "--src",
            str(work / "s.txt"),
            "--tgt",
            str(work / "t.txt"),
            "--output",
            str(work / "p.tsv"),
            "--force",
        ],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--model", action="append", required=True, help="the first one is used for mining")
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--output-dir", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    sentences = (
        (args.data / "train/en-de/captions.en-de.en").read_text(encoding="utf-8").splitlines()[:20_000]
    )

    run_started = time.perf_counter()
    report: dict = {"encode_sentences_per_second": {}, "mining_seconds": {}}
    for model in args.model:
        rate = encode_rate(model, sentences)
        report["encode_sentences_per_second"][model] = round(rate)
        print(f"encode {model}: {rate:,.0f} sentences/s", flush=True)
    with tempfile.TemporaryDirectory() as work:
        rate = train_rate(args.data, Path(work))
        report["train_pairs_per_second"] = round(rate)
        print(f"align train (static defaults, en-zh): {rate:,.0f} pairs/s", flush=True)
        for size in (int(s) for s in args.sizes.split(",")):
            seconds = mining_time(args.model[0], args.data, size, Path(work))
            report["mining_seconds"][size] = round(seconds, 1)
            print(f"align mine {size:,} × {size:,}: {seconds:.1f} s", flush=True)

    settings = {"models": args.model, "sizes": args.sizes}
    header = report_header(
        "throughput", data=str(args.data), settings=settings, seconds=time.perf_counter() - run_started
    )
    write_json({**header, **report}, args.output_dir / "throughput.json")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = list(report["mining_seconds"])
    figure, axes = plt.subplots(figsize=(5, 4))
    axes.loglog(sizes, [report["mining_seconds"][s] for s in sizes], marker="o")
    axes.set_xlabel("sentences on each side")
    axes.set_ylabel("align mine wall time (s), encoding included")
    axes.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(args.output_dir / "throughput_mining.png", dpi=120)
    print(f"wrote {args.output_dir / 'throughput.json'}")


if __name__ == "__main__":
    main()
