"""Benchmark: `align bench tatoeba` against an independent computation, and the full 112-language run.

1. Runs `align bench tatoeba` (as a user would, through the CLI, without its cache) on the chosen
   languages and checks each figure against an independent computation: FAISS exact inner-product
   search over `SentenceTransformer.encode` output, with no align code involved.
2. Times the run over every language in the data directory (112 for LASER's Tatoeba set).

    python benchmarks/tatoeba_bench.py --model MODEL [--model MODEL2]

Writes benchmarks/results/tatoeba_bench.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import json
import tempfile

import faiss
import numpy as np
from sentence_transformers import SentenceTransformer

from benchmarks.common import DATA, Report, run_align, script_arguments


def independent_accuracy(model: SentenceTransformer, data: Path, language: str) -> tuple[float, float]:
    foreign = (data / f"tatoeba.{language}-eng.{language}").read_text(encoding="utf-8").split("\n")[:-1]
    english = (data / f"tatoeba.{language}-eng.eng").read_text(encoding="utf-8").split("\n")[:-1]
    x = model.encode(foreign, normalize_embeddings=True).astype(np.float32)
    y = model.encode(english, normalize_embeddings=True).astype(np.float32)

    def accuracy(queries: np.ndarray, candidates: np.ndarray) -> float:
        index = faiss.IndexFlatIP(candidates.shape[1])
        index.add(candidates)
        _, found = index.search(queries, 1)
        return 100 * float(np.mean(found[:, 0] == np.arange(len(queries))))

    return accuracy(x, y), accuracy(y, x)


def run_cli(models: list[str], data: Path, languages: str, output: Path) -> float:
    """`align bench tatoeba` without its cache, as a user runs it; returns its wall time."""
    models_given = [part for model in models for part in ("--model", model)]
    run = run_align(
        "bench", "tatoeba",
        "--data", data,
        "--langs", languages,
        "--no-cache",
        "--output", output,
        "--force",
        *models_given,
        show_output=False,
    )  # fmt: skip
    return run.seconds


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = script_arguments(__doc__, report="tatoeba_bench", data=DATA / "eval" / "tatoeba")
    parser.add_argument("--model", action="append", required=True)
    parser.add_argument("--check-langs", default="cmn,deu,fra,jpn,rus,ara")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    report = Report("tatoeba_bench", args.data, args.output)

    with tempfile.TemporaryDirectory() as work:
        run_cli(args.model, args.data, args.check_langs, Path(work) / "check.json")
        checked = json.loads((Path(work) / "check.json").read_text(encoding="utf-8"))
        full_seconds = run_cli(args.model[:1], args.data, "all", Path(work) / "all.json")
        full = json.loads((Path(work) / "all.json").read_text(encoding="utf-8"))

    differences = []
    for model_name, entry in zip(args.model, checked["models"], strict=True):
        model = SentenceTransformer(model_name, device="cpu")
        for row in entry["languages"]:
            xx_to_en, en_to_xx = independent_accuracy(model, args.data, row["language"])
            differences.append(
                {
                    "model": entry["model"],
                    "language": row["language"],
                    "align": [row["xx_to_en"], row["en_to_xx"]],
                    "independent": [xx_to_en, en_to_xx],
                    "max_difference": max(abs(row["xx_to_en"] - xx_to_en), abs(row["en_to_xx"] - en_to_xx)),
                }
            )
    worst = max(d["max_difference"] for d in differences)
    print("| model | language | align xx→en / en→xx | independent | difference |\n|---|---|---|---|---|")
    for d in differences:
        print(
            f"| {d['model']} | {d['language']} | {d['align'][0]:.1f} / {d['align'][1]:.1f} | "
            f"{d['independent'][0]:.1f} / {d['independent'][1]:.1f} | {d['max_difference']:.2f} |"
        )
    average = full["models"][0]["average"]
    languages = len(full["models"][0]["languages"])
    print(f"\nlargest difference: {worst:.2f} points")
    print(
        f"all {languages} languages for {full['models'][0]['model']}: {full_seconds:.0f} s end to end; "
        f"average xx→en {average['xx_to_en']:.1f}, en→xx {average['en_to_xx']:.1f}"
    )
    report.write(
        {"models": args.model, "check_langs": args.check_langs},
        differences=differences,
        largest_difference=worst,
        full_run={
            "model": full["models"][0]["model"],
            "languages": languages,
            "seconds": round(full_seconds, 1),
            "average": average,
        },
    )


if __name__ == "__main__":
    main()
