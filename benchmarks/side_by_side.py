"""Benchmark: several models side by side on Tatoeba and XQuAD-R, through `align bench` as a user runs it.

    python benchmarks/side_by_side.py --model MODEL_A --model MODEL_B

Runs `align bench tatoeba` (cmn, deu, fra, with a bar plot) and `align bench retrieval` (XQuAD-R,
zh and en), prints both tables and writes their JSON reports and the plot to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--model", action="append", required=True)
    parser.add_argument("--output-dir", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    args.output_dir.mkdir(parents=True, exist_ok=True)
    models = [part for model in args.model for part in ("--model", model)]
    align = [sys.executable, "-m", "align.cli", "bench"]
    subprocess.run(
        [
            *align,
            "tatoeba",
            *models,
            "--data",
            str(args.data / "eval/tatoeba"),
            "--langs",
            "cmn,deu,fra",
            "--output",
            str(args.output_dir / "side_by_side_tatoeba.json"),
            "--plot",
            str(args.output_dir / "side_by_side_tatoeba.png"),
            "--force",
        ],
        check=True,
    )
    subprocess.run(
        [
            *align,
            "retrieval",
            *models,
            "--data",
            str(args.data / "eval/xquad-r"),
            "--langs",
            "zh,en",
            "--output",
            str(args.output_dir / "side_by_side_xquad_r.json"),
            "--force",
        ],
        check=True,
    )


if __name__ == "__main__":
    main()
