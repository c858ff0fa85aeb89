"""Benchmark: what each static-encoder choice is worth on Tatoeba cmn-eng (the table in docs/training.md).

Trains on ../shared/data/train/en-zh with `align.train`, changing one setting at a time from the
plain recipe (no script folding, no margin) to the defaults, and scores each model on Tatoeba.

    python benchmarks/static_ablation.py            # about 15 minutes on two cores

Writes benchmarks/results/static_ablation.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import tempfile
import time

from align.bench.runner import bench_embedder
from align.bench.tatoeba import score_tatoeba
from align.training import TrainConfig, train
from benchmarks.common import Report, script_arguments

SETTINGS = {
    "plain (no folding, no margin)": {"fold_traditional": False, "margin": 0.0},
    "plain, 20 epochs": {"fold_traditional": False, "margin": 0.0, "epochs": 20},
    "margin 0.3": {"fold_traditional": False, "margin": 0.3},
    "Traditional→Simplified folding": {"margin": 0.0},
    "folding + margin 0.3 (default)": {},
    "folding + margin 0.4": {"margin": 0.4},
    "default, dim 1024": {"embedding_dim": 1024},
    "default, 5 epochs": {"epochs": 5},
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    return script_arguments(__doc__, report="static_ablation").parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    report = Report("static_ablation", args.data, args.output)
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for name, overrides in SETTINGS.items():
            started = time.perf_counter()
            result = train(
                TrainConfig(
                    pairs="en-zh",
                    data=str(args.data / "train/en-zh"),
                    output=str(Path(work) / "model"),
                    force=True,
                    **overrides,
                )
            )
            seconds = time.perf_counter() - started
            score = score_tatoeba(bench_embedder(result.model, "model"), args.data / "eval/tatoeba", "cmn")
            rows.append(
                {
                    "setting": name,
                    "overrides": overrides,
                    "xx_to_en": score.xx_to_en,
                    "en_to_xx": score.en_to_xx,
                    "mean": score.mean,
                    "train_seconds": round(seconds, 1),
                }
            )
            print(
                f"{name}: {score.xx_to_en:.1f} / {score.en_to_xx:.1f} = {score.mean:.2f}, {seconds:.0f} s",
                flush=True,
            )
    print("\n| setting | xx→en | en→xx | mean | train time |\n|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['setting']} | {row['xx_to_en']:.1f} | {row['en_to_xx']:.1f} | {row['mean']:.2f} | "
            f"{row['train_seconds']:.0f} s |"
        )
    report.write(SETTINGS, rows=rows)


if __name__ == "__main__":
    main()
