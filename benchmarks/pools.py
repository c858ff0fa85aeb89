"""The mining pools the benchmarks build from ../shared/data, and how well mining recovers their gold.

- :func:`build_pool`: the 2,250 gold pairs of dev/en-zh hidden among real unpaired sentences, a
  BUCC-style split kept in memory (benchmarks/mine_quality.py, the mining F1 of encoder_figures);
- :func:`joined_pool`: pools of any size, each item two real sentences joined, for mining at scale
  (benchmarks/mine_scale.py, benchmarks/throughput.py).
"""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import numpy as np

from align.bench.bucc import BuccSplit
from align.mining import MiningConfig, calibrate_threshold, mine
from benchmarks.common import read_lines, read_sentences

DISTRACTORS = 20_000  # unpaired sentences on each side of the dev pool
DEV_SETS = ("captions", "microblog")  # dev/en-zh, 1,000 and 1,250 pairs
EXACT_MINING = MiningConfig(k=4, margin="ratio", mode="max", factory="Flat")  # LASER's settings, exact search


def dev_pairs(data: Path) -> dict[str, list[tuple[str, str]]]:
    """The (English, Chinese) gold pairs of each dev/en-zh set."""
    return {
        name: list(
            zip(
                read_lines(data / f"dev/en-zh/{name}.en-zh.en"),
                read_lines(data / f"dev/en-zh/{name}.en-zh.zh"),
                strict=True,
            )
        )
        for name in DEV_SETS
    }


def comparable(text: str) -> str:
    """Lower case, without punctuation or extra spaces: how two copies of one caption are matched."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _shuffled(texts: list[str], rng: random.Random) -> tuple[list[str], dict[int, int]]:
    """``texts`` in a random order, and each old row's new row."""
    order = list(range(len(texts)))
    rng.shuffle(order)
    return [texts[i] for i in order], {old: new for new, old in enumerate(order)}


def build_pool(data: Path, gold_pairs: list[tuple[str, str]], distractors: int, seed: int) -> BuccSplit:
    """English and Chinese sides with the gold pairs hidden among distractors, both shuffled.

    No distractor may have its translation on the other side, or mining it would count as a false
    positive. Some 3AM captions in train/en-zh translate Multi30k captions in train/en-de (65 such
    pairs landed in the 20k + 20k pool before this was checked), so a Chinese line is a distractor
    only if none of its English translations in train/en-zh is on the English side, and an English
    distractor must differ from every gold English sentence in more than case and punctuation.
    (:func:`align.bench.bucc.write_bucc_split` hides pairs too, but in files, and with another
    shuffle: the published figures come from this one.)
    """
    rng = random.Random(seed)
    gold_chinese = {zh for _, zh in gold_pairs}
    gold_english = {comparable(en) for en, _ in gold_pairs}
    english_pool = sorted(
        text
        for text in set(read_lines(data / "train/en-de/captions.en-de.en"))
        if comparable(text) not in gold_english
    )
    english = [en for en, _ in gold_pairs] + rng.sample(english_pool, distractors)
    english_side = {comparable(text) for text in english}
    corpus_english = read_lines(data / "train/en-zh/mixed.en-zh.en")
    corpus_chinese = read_lines(data / "train/en-zh/mixed.en-zh.zh")
    translated = {
        zh for en, zh in zip(corpus_english, corpus_chinese, strict=True) if comparable(en) in english_side
    }
    chinese_pool = sorted(set(corpus_chinese) - gold_chinese - translated)
    chinese = [zh for _, zh in gold_pairs] + rng.sample(chinese_pool, distractors)
    english, english_row = _shuffled(english, rng)
    chinese, chinese_row = _shuffled(chinese, rng)
    return BuccSplit(
        source_ids=[f"en-{row}" for row in range(len(english))],
        source_texts=english,
        target_ids=[f"zh-{row}" for row in range(len(chinese))],
        target_texts=chinese,
        gold={(english_row[i], chinese_row[i]) for i in range(len(gold_pairs))},
    )


def score_pool(
    source: np.ndarray, target: np.ndarray, gold: set[tuple[int, int]], config: MiningConfig
) -> dict[str, float]:
    """Threshold, precision, recall and F1 (in %) at the threshold with the best F1, and the time taken."""
    started = time.perf_counter()
    calibration = calibrate_threshold(mine(source, target, config), gold)
    return {
        "threshold": calibration.threshold,
        "precision": calibration.precision,
        "recall": calibration.recall,
        "f1": calibration.f1,
        "mine_seconds": round(time.perf_counter() - started, 2),
    }


def joined_pool(
    data: Path, size: int, seed: int, parallel_fraction: float = 0.1
) -> tuple[list[str], list[str], set[tuple[int, int]]]:
    """``size`` items a side, each two real sentences joined; ``parallel_fraction`` of them translations.

    A parallel item is (en_a + " " + en_b, zh_a + zh_b) from two en-zh training pairs; the rest of
    each side joins random English (all training corpora) or random Chinese lines. Returns both
    sides, shuffled, and the parallel items as (source row, target row).
    """
    rng = random.Random(seed)
    english_zh = read_lines(data / "train/en-zh/mixed.en-zh.en")
    chinese = read_lines(data / "train/en-zh/mixed.en-zh.zh")
    english_all = (
        english_zh
        + read_sentences(data / "train/en-de/captions.en-de.en")
        + read_sentences(data / "train/en-fr/captions.en-fr.en")
    )
    parallel = int(size * parallel_fraction)
    source, target = [], []
    for _ in range(parallel):
        a, b = rng.randrange(len(chinese)), rng.randrange(len(chinese))
        source.append(f"{english_zh[a]} {english_zh[b]}")
        target.append(f"{chinese[a]}{chinese[b]}")
    for _ in range(size - parallel):
        source.append(f"{rng.choice(english_all)} {rng.choice(english_all)}")
        target.append(f"{rng.choice(chinese)}{rng.choice(chinese)}")
    source, source_row = _shuffled(source, rng)
    target, target_row = _shuffled(target, rng)
    return source, target, {(source_row[i], target_row[i]) for i in range(parallel)}
