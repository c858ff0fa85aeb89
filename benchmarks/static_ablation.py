"""Benchmark: what each static-encoder choice is worth on Tatoeba cmn-eng (the table in docs/training.md).

Trains on ../shared/data/train/en-zh with `align.train`, changing one setting at a time from the
plain recipe (no script folding, no margin) to the defaults, and scores each model on Tatoeba.

    python benchmarks/static_ablation.py            # about 15 minutes on two cores

Writes benchmarks/results/static_ablation.json.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from align.bench.report import report_header, write_json
from align.bench.tatoeba import score_tatoeba
from align.training import TrainConfig, train

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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument(
        "--output", type=Path, default=Path(__file__).parent / "results" / "static_ablation.json"
    )
    args = parser.parse_args()
    run_started = time.perf_counter()
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
            score = score_tatoeba(result.model, args.data / "eval/tatoeba", "cmn")
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
    report = report_header(
        "static_ablation", data=str(args.data), settings=SETTINGS, seconds=time.perf_counter() - run_started
    )
    report.update(rows=rows)
    write_json(report, args.output)


if __name__ == "__main__":
    main()
