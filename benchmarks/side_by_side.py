"""Benchmark: several models side by side on Tatoeba and XQuAD-R, through `align bench` as a user runs it.

    python benchmarks/side_by_side.py --model MODEL_A --model MODEL_B

Runs `align bench tatoeba` (cmn, deu, fra, with a bar plot) and `align bench retrieval` (XQuAD-R,
zh and en), prints both tables and writes their JSON reports and the plot to benchmarks/results/.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse

from benchmarks.common import RESULTS, run_align, script_arguments

# align bench TASK: (its data under --data, languages, the report's name)
BENCHES = {
    "tatoeba": ("eval/tatoeba", "cmn,deu,fra", "side_by_side_tatoeba"),
    "retrieval": ("eval/xquad-r", "zh,en", "side_by_side_xquad_r"),
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = script_arguments(__doc__)
    parser.add_argument("--model", action="append", required=True)
    parser.add_argument("--output-dir", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    models = [part for model in args.model for part in ("--model", model)]
    for task, (data, languages, name) in BENCHES.items():
        plot = ("--plot", args.output_dir / f"{name}.png") if task == "tatoeba" else ()
        run_align(
            "bench", task, *models,
            "--data", args.data / data,
            "--langs", languages,
            "--output", args.output_dir / f"{name}.json",
            *plot,
            "--force",
        )  # fmt: skip


if __name__ == "__main__":
    main()
