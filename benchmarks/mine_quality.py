"""Benchmark: BUCC-style mining quality on a pool built from ../shared/data.

The 2,250 gold pairs of dev/en-zh (captions + microblog) are hidden among 20,000 Chinese lines
from train/en-zh and 20,000 English lines from train/en-de, none with its translation on the other
side (see `benchmarks.pools.build_pool`). Both sides are shuffled; mining must find the gold pairs.

Reported: precision, recall and F1 at the threshold calibrated on all gold pairs (the issue's bar),
and, so that the threshold is judged on pairs it was not tuned on, two-fold: the threshold
calibrated on the captions pool applied to the microblog pool and back. Each candidate mode and
margin is scored too.

    python benchmarks/mine_quality.py --model MODEL        # a model from `align train` (en-zh)
    python benchmarks/mine_quality.py                       # trains the default model first (~2 min)

Writes benchmarks/results/mine_quality.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from align.bench.bucc import BuccSplit, evaluate_bucc
from align.bench.runner import bench_embedder
from align.embedding import Embedder
from align.encode import encode_texts, load_encoder
from align.training import TrainConfig, train
from benchmarks.common import Report, script_arguments
from benchmarks.pools import DISTRACTORS, EXACT_MINING, build_pool, dev_pairs, score_pool


class EmbedOnce:
    """An embedder that embeds each list of texts once: the two-fold check embeds each pool as the
    tuning split, then again as the test split."""

    def __init__(self, embed: Embedder) -> None:
        self.embed = embed
        self.name = embed.name
        self._embedded: dict[tuple[str, ...], np.ndarray] = {}

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        key = tuple(texts)
        if key not in self._embedded:
            self._embedded[key] = self.embed(texts)
        return self._embedded[key]

    def fingerprint(self) -> str:
        return self.embed.fingerprint()


def mode_rows(source: np.ndarray, target: np.ndarray, gold: set[tuple[int, int]]) -> list[dict]:
    """F1 at the calibrated threshold for each candidate mode and margin (k = 4, exact search)."""
    rows = []
    for mode in ("max", "intersect", "forward"):
        for margin in ("ratio", "absolute"):
            config = replace(EXACT_MINING, margin=margin, mode=mode)
            rows.append({"mode": mode, "margin": margin, **score_pool(source, target, gold, config)})
    return rows


def two_fold(embed: Embedder, pools: dict[str, BuccSplit]) -> dict[str, dict[str, float]]:
    """Each pool's calibrated threshold applied to the other (max mode, ratio margin, k = 4, exact)."""
    embed = EmbedOnce(embed)
    results = {}
    for tune, test in (("captions", "microblog"), ("microblog", "captions")):
        result = evaluate_bucc(embed, pools[tune], pools[test], EXACT_MINING, split_names=(tune, test))
        results[f"{tune}->{test}"] = {
            "threshold": result.threshold,
            "precision": result.precision,
            "recall": result.recall,
            "f1": result.f1,
        }
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = script_arguments(__doc__, report="mine_quality")
    parser.add_argument("--model", help="an en-zh model; default: train one with `align train` defaults")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    report = Report("mine_quality", args.data, args.output)

    with tempfile.TemporaryDirectory() as work:
        model_path = args.model
        if model_path is None:
            model_path = str(Path(work) / "model")
            train(TrainConfig(pairs="en-zh", data=str(args.data / "train/en-zh"), output=model_path))
        model = load_encoder(model_path)

        folds = dev_pairs(args.data)
        pool = build_pool(args.data, folds["captions"] + folds["microblog"], DISTRACTORS, args.seed)
        started = time.perf_counter()
        source = encode_texts(model, pool.source_texts, show_progress_bar=True)
        target = encode_texts(model, pool.target_texts, show_progress_bar=True)
        encode_seconds = time.perf_counter() - started
        rows = mode_rows(source, target, pool.gold)
        pools = {
            name: build_pool(args.data, pairs, DISTRACTORS // 2, args.seed + index)
            for index, (name, pairs) in enumerate(folds.items())
        }
        folded = two_fold(bench_embedder(model, "model"), pools)

    english, chinese = len(pool.source_texts), len(pool.target_texts)
    print(
        f"\nPool: {english:,} English × {chinese:,} Chinese sentences, {len(pool.gold):,} gold pairs; "
        f"encoded in {encode_seconds:.1f} s"
    )
    print("\n| mode | margin | threshold | precision | recall | F1 | mining time |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['mode']} | {row['margin']} | {row['threshold']:.4f} | {row['precision']:.1f} | "
            f"{row['recall']:.1f} | {row['f1']:.1f} | {row['mine_seconds']:.1f} s |"
        )
    print("\nThreshold tuned on one dev set, applied to the other (each pool: gold + 10k + 10k distractors):")
    print("\n| tuned on → tested on | threshold | precision | recall | F1 |\n|---|---|---|---|---|")
    for name, result in folded.items():
        print(
            f"| {name} | {result['threshold']:.4f} | {result['precision']:.1f} | {result['recall']:.1f} | "
            f"{result['f1']:.1f} |"
        )
    report.write(
        {"model": args.model or "align train defaults (en-zh)", "seed": args.seed},
        pool={"english": english, "chinese": chinese, "gold": len(pool.gold)},
        encode_seconds=round(encode_seconds, 1),
        rows=rows,
        two_fold=folded,
    )


if __name__ == "__main__":
    main()
