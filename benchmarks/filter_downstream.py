"""Benchmark: what filtering a noisy training corpus is worth downstream (Tatoeba cmn).

    python benchmarks/filter_downstream.py [--filter-model MODEL]

1. Injects noise into `train/en-zh` (55k pairs) until it is 20 % of the corpus: misaligned pairs
   (a Chinese side drawn from another pair), Japanese targets (Tatoeba Challenge English with its
   true Japanese translation), near-copies (the English source, lower-cased, on the Chinese side)
   and English targets (another pair's English on the Chinese side), in shares 40/20/20/20.
2. Trains the default static model on it (`align train --pairs en-zh`, defaults) -> model A.
3. Filters the noisy corpus with `align filter` defaults, scoring with model A itself (no other
   encoder needed; `--filter-model` to score with another), and reports what it kept of each kind.
4. Trains the same way on what the filter kept -> model B.
5. Tatoeba cmn (both directions) for A and B.

About 10 minutes on 2 cores. Writes benchmarks/results/filter_downstream.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gzip
import random
import tempfile
from collections import Counter

from align.bench.tatoeba import TatoebaTask
from align.data.readers import CorpusSource
from align.embedding import SentenceTransformerEmbedder
from align.filtering import BitextFilter
from align.training import TrainConfig, train
from benchmarks.common import Report, read_lines, script_arguments, write_lines

SEED = 0
NOISE_SHARE = 0.20
MIX = {"misaligned": 0.4, "Japanese target": 0.2, "near-copy": 0.2, "English target": 0.2}


def noisy_corpus(data: Path) -> list[tuple[str, str, str]]:
    """(English, Chinese side, label) rows: the clean corpus with noise added to NOISE_SHARE, shuffled."""
    english = read_lines(data / "train/en-zh/mixed.en-zh.en")
    chinese = read_lines(data / "train/en-zh/mixed.en-zh.zh")
    rows = [(en, zh, "clean") for en, zh in zip(english, chinese, strict=True)]
    rng = random.Random(SEED)
    total = round(len(rows) * NOISE_SHARE / (1 - NOISE_SHARE))
    counts = {label: round(total * share) for label, share in MIX.items()}
    picks = lambda count: rng.sample(range(len(english)), count)  # noqa: E731
    rows += [
        (english[i], chinese[j], "misaligned")
        for i, j in zip(picks(counts["misaligned"]), picks(counts["misaligned"]), strict=True)
        if i != j
    ]
    challenge = data / "train/tatoeba-challenge"
    with gzip.open(challenge / "tatoeba-challenge.eng-jpn.eng.gz", "rt", encoding="utf-8") as handle:
        jpn_en = handle.read().splitlines()
    with gzip.open(challenge / "tatoeba-challenge.eng-jpn.jpn.gz", "rt", encoding="utf-8") as handle:
        jpn = handle.read().splitlines()
    rows += [
        (jpn_en[i], jpn[i], "Japanese target") for i in rng.sample(range(len(jpn)), counts["Japanese target"])
    ]
    rows += [(english[i], english[i].lower().rstrip(".!?"), "near-copy") for i in picks(counts["near-copy"])]
    rows += [
        (english[i], english[j], "English target")
        for i, j in zip(picks(counts["English target"]), picks(counts["English target"]), strict=True)
        if i != j
    ]
    rng.shuffle(rows)
    return rows


def train_and_score(corpus: Path, output: Path, tatoeba: Path) -> dict[str, float]:
    result = train(TrainConfig(pairs="en-zh", data=str(corpus), output=str(output), force=True, seed=SEED))
    [score] = (
        TatoebaTask(tatoeba, "cmn").evaluate(SentenceTransformerEmbedder(result.model, output.name)).scores
    )
    return {
        "tatoeba_cmn_mean": round(score.mean, 1),
        "xx_to_en": round(score.xx_to_en, 1),
        "en_to_xx": round(score.en_to_xx, 1),
        "train_seconds": round(result.seconds, 1),
        "pairs_trained": result.train_pairs,
    }


def main(argv: list[str] | None = None) -> None:
    parser = script_arguments(__doc__, report="filter_downstream")
    parser.add_argument("--filter-model", help="Score pairs with this encoder instead of model A.")
    args = parser.parse_args(argv)
    report = Report("filter_downstream", args.data, args.output)
    rows = noisy_corpus(args.data)
    labels = [label for _, _, label in rows]
    print(f"noisy corpus: {len(rows):,} pairs, {dict(Counter(labels))}")
    with tempfile.TemporaryDirectory(prefix="filter-downstream-") as tmp:
        work = Path(tmp)
        noisy = work / "noisy"
        noisy.mkdir()
        write_lines(noisy / "noisy.en-zh.en", [en for en, _, _ in rows])
        write_lines(noisy / "noisy.en-zh.zh", [zh for _, zh, _ in rows])
        noisy_model = train_and_score(noisy, work / "model-noisy", args.data / "eval/tatoeba")
        print(f"A (noisy corpus): {noisy_model}")
        source = CorpusSource(
            str(noisy / "noisy.en-zh.en"), "en", "zh", "moses", str(noisy / "noisy.en-zh.zh")
        )
        kept_file = work / "kept.tsv"
        filter_report = BitextFilter(
            source, str(kept_file), model=args.filter_model or str(work / "model-noisy"), line_numbers=True
        ).run()
        print("\n".join(filter_report.summary_lines()))
        kept_rows = [line.split("\t") for line in read_lines(kept_file)]
        kept_lines = {int(row[-1]) for row in kept_rows}
        by_label = Counter(labels)
        kept_by_label = Counter(labels[line - 1] for line in kept_lines)
        shares = {label: round(100 * kept_by_label[label] / count, 1) for label, count in by_label.items()}
        filtered = work / "filtered"
        filtered.mkdir()
        write_lines(filtered / "filtered.en-zh.en", [row[1] for row in kept_rows])
        write_lines(filtered / "filtered.en-zh.zh", [row[2] for row in kept_rows])
        filtered_model = train_and_score(filtered, work / "model-filtered", args.data / "eval/tatoeba")
        print(f"B (filtered corpus): {filtered_model}")
    table = ["| corpus | pairs | Tatoeba cmn (mean) | xx→en | en→xx |", "|---|---|---|---|---|"]
    for name, pairs, scores in (
        ("noisy (20 % noise)", len(rows), noisy_model),
        ("after align filter", len(kept_rows), filtered_model),
    ):
        cells = [scores[key] for key in ("tatoeba_cmn_mean", "xx_to_en", "en_to_xx")]
        table.append(f"| {name} | {pairs:,} | " + " | ".join(map(str, cells)) + " |")
    print("\n".join(table))
    report.write(
        {
            "seed": SEED,
            "noise_share": NOISE_SHARE,
            "mix": MIX,
            "filter_model": args.filter_model or "model A",
        },
        corpus=dict(by_label),
        kept_percent_by_label=shares,
        filter_dropped={stage: dict(reasons) for stage, reasons in filter_report.dropped.items()},
        noisy=noisy_model,
        filtered=filtered_model,
        table="\n".join(table),
    )


if __name__ == "__main__":
    main()
