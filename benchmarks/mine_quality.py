"""Benchmark: BUCC-style mining quality on a pool built from ../shared/data.

The 2,250 gold pairs of dev/en-zh (captions + microblog) are hidden among 20,000 Chinese lines
from train/en-zh and 20,000 English lines from train/en-de, none with its translation on the other
side (see `build_pool`). Both sides are shuffled; `align mine` must find the gold pairs.

Reported: precision, recall and F1 at the threshold calibrated on all gold pairs (the issue's bar),
and, so that the threshold is judged on pairs it was not tuned on, two-fold: the threshold
calibrated on the captions pool applied to the microblog pool and back. Each candidate mode and
margin is scored too.

    python benchmarks/mine_quality.py --model MODEL        # a model from `align train` (en-zh)
    python benchmarks/mine_quality.py                       # trains the default model first (~2 min)

Writes benchmarks/results/mine_quality.json.
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from align.bench.report import report_header, write_json
from align.encode import encode_texts, load_encoder
from align.mining import calibrate_threshold, mine, precision_recall_f1

DISTRACTORS = 20_000


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def comparable(text: str) -> str:
    """Lower case, without punctuation or extra spaces: how two copies of one caption are matched."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def build_pool(
    data: Path, gold_pairs: list[tuple[str, str]], distractors: int, seed: int
) -> tuple[list[str], list[str], set[tuple[int, int]]]:
    """English and Chinese sides with the gold pairs hidden among distractors; gold as row pairs.

    No distractor may have its translation on the other side, or mining it would count as a false
    positive. Some 3AM captions in train/en-zh translate Multi30k captions in train/en-de (65 such
    pairs landed in the 20k + 20k pool before this was checked), so a Chinese line is a distractor
    only if none of its English translations in train/en-zh is on the English side, and an English
    distractor must differ from every gold English sentence in more than case and punctuation.
    """
    rng = random.Random(seed)
    gold_chinese = {zh for _, zh in gold_pairs}
    gold_english = {comparable(en) for en, _ in gold_pairs}
    english_pool = sorted(
        text
        for text in set(lines(data / "train/en-de/captions.en-de.en"))
        if comparable(text) not in gold_english
    )
    english = [en for en, _ in gold_pairs] + rng.sample(english_pool, distractors)
    english_side = {comparable(text) for text in english}
    corpus_english = lines(data / "train/en-zh/mixed.en-zh.en")
    corpus_chinese = lines(data / "train/en-zh/mixed.en-zh.zh")
    translated = {
        zh for en, zh in zip(corpus_english, corpus_chinese, strict=True) if comparable(en) in english_side
    }
    chinese_pool = sorted(set(corpus_chinese) - gold_chinese - translated)
    chinese = [zh for _, zh in gold_pairs] + rng.sample(chinese_pool, distractors)
    english_order, chinese_order = list(range(len(english))), list(range(len(chinese)))
    rng.shuffle(english_order)
    rng.shuffle(chinese_order)
    english_row = {old: new for new, old in enumerate(english_order)}
    chinese_row = {old: new for new, old in enumerate(chinese_order)}
    gold = {(english_row[i], chinese_row[i]) for i in range(len(gold_pairs))}
    return [english[i] for i in english_order], [chinese[i] for i in chinese_order], gold


def score_pool(source: np.ndarray, target: np.ndarray, gold: set[tuple[int, int]], **options) -> dict:
    started = time.perf_counter()
    pairs = mine(source, target, **options)
    calibration = calibrate_threshold(pairs, gold)
    return {
        "threshold": calibration.threshold,
        "precision": calibration.precision,
        "recall": calibration.recall,
        "f1": calibration.f1,
        "mine_seconds": round(time.perf_counter() - started, 2),
        "pairs": pairs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--model", help="an en-zh model; default: train one with `align train` defaults")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--output", type=Path, default=Path(__file__).parent / "results" / "mine_quality.json"
    )
    args = parser.parse_args()
    run_started = time.perf_counter()

    with tempfile.TemporaryDirectory() as work:
        model_path = args.model
        if model_path is None:
            model_path = str(Path(work) / "model")
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "align.cli",
                    "train",
                    "--pairs",
                    "en-zh",
                    "--data",
                    str(args.data / "train/en-zh"),
                    "--output",
                    model_path,
                ],
                check=True,
            )
        model = load_encoder(model_path)

        folds = {
            name: list(
                zip(
                    lines(args.data / f"dev/en-zh/{name}.en-zh.en"),
                    lines(args.data / f"dev/en-zh/{name}.en-zh.zh"),
                    strict=True,
                )
            )
            for name in ("captions", "microblog")
        }
        english, chinese, gold = build_pool(
            args.data, folds["captions"] + folds["microblog"], DISTRACTORS, args.seed
        )
        started = time.perf_counter()
        source, target = encode_texts(model, english), encode_texts(model, chinese)
        encode_seconds = time.perf_counter() - started

        rows = []
        for mode in ("max", "intersect", "forward"):
            for kind in ("ratio", "absolute"):
                result = score_pool(source, target, gold, k=4, kind=kind, mode=mode, factory="Flat")
                rows.append(
                    {
                        "mode": mode,
                        "margin": kind,
                        **{key: value for key, value in result.items() if key != "pairs"},
                    }
                )

        two_fold = {}
        half = DISTRACTORS // 2
        pools = {
            name: build_pool(args.data, pairs, half, args.seed + index)
            for index, (name, pairs) in enumerate(folds.items())
        }
        mined = {
            name: mine(encode_texts(model, en), encode_texts(model, zh), k=4, factory="Flat")
            for name, (en, zh, _) in pools.items()
        }
        for tune, test in (("captions", "microblog"), ("microblog", "captions")):
            threshold = calibrate_threshold(mined[tune], pools[tune][2]).threshold
            precision, recall, f1 = precision_recall_f1(mined[test].above(threshold), pools[test][2])
            two_fold[f"{tune}->{test}"] = {
                "threshold": threshold,
                "precision": precision,
                "recall": recall,
                "f1": f1,
            }

    print(
        f"\nPool: {len(english):,} English × {len(chinese):,} Chinese sentences, {len(gold):,} gold pairs; "
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
    for name, result in two_fold.items():
        print(
            f"| {name} | {result['threshold']:.4f} | {result['precision']:.1f} | {result['recall']:.1f} | "
            f"{result['f1']:.1f} |"
        )
    settings = {"model": args.model or "align train defaults (en-zh)", "seed": args.seed}
    report = report_header(
        "mine_quality", data=str(args.data), settings=settings, seconds=time.perf_counter() - run_started
    )
    report.update(
        pool={"english": len(english), "chinese": len(chinese), "gold": len(gold)},
        encode_seconds=round(encode_seconds, 1),
        rows=rows,
        two_fold=two_fold,
    )
    write_json(report, args.output)
    print(f"\nwrote {args.output}")


if __name__ == "__main__":
    main()
