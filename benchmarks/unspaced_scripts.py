"""Benchmark: how a static encoder's tokenizer should cut scripts written without spaces (issue 15).

Burmese, Khmer and Thai are alphabetic and unspaced. Three ways of pre-tokenising them before
WordPiece learns its vocabulary, each used to train a static encoder (align's defaults) on the
en-km, en-my and en-th pairs under ../shared/data/train, for several seeds:

* words: the whole unspaced run goes to WordPiece (align before issue 15);
* graphemes: every grapheme cluster (a letter and its marks) is a token of its own, as Han
  characters are;
* syllables (align's default): orthographic syllables, `align.training.encoders.tokenizer.SYLLABLE_PATTERNS`.

Scored on Tatoeba khm and tha (mean of both directions) and on each pair's dev split. The Thai pairs
come from train/tatoeba-challenge, so tha is in-domain: it compares tokenizers, not encoders.

    python benchmarks/unspaced_scripts.py              # three seeds, about 2 minutes
    python benchmarks/unspaced_scripts.py --seeds 1

Writes benchmarks/results/unspaced_scripts.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import statistics
import tempfile
from typing import Any
from unittest import mock

from align.bench.tatoeba import TatoebaTask
from align.embedding import SentenceTransformerEmbedder
from align.training import TrainConfig, train
from align.training.encoders import tokenizer
from benchmarks.common import Report, script_arguments

PAIRS = "en-km,en-my,en-th"
LANGUAGES = "khm,tha"
UNSPACED = r"[\p{Myanmar}\p{Khmer}\p{Thai}\p{Lao}]"
# What the pre-tokeniser isolates, besides spaces and punctuation.
VARIANTS = {
    "words": tokenizer.CHARACTER_SCRIPTS,
    "graphemes": rf"{tokenizer.CHARACTER_SCRIPTS}|{UNSPACED}\p{{M}}*",
    "syllables (default)": tokenizer.ISOLATED,
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = script_arguments(__doc__, report="unspaced_scripts")
    parser.add_argument("--seeds", type=int, default=3, help="training runs per variant")
    parser.add_argument("--epochs", type=float, help="passes over the data (default: align's)")
    return parser.parse_args(argv)


def run_variant(pattern: str, data: Path, seed: int, epochs: float | None, work: Path) -> dict[str, Any]:
    """Train one static encoder with ``pattern`` as the pre-tokeniser's isolated pieces; score it."""
    config = TrainConfig(
        pairs=PAIRS,
        data=str(data / "train"),
        output=str(work / "model"),
        force=True,
        seed=seed,
        dev_size=600,
        **({"epochs": epochs} if epochs else {}),
    )
    with mock.patch.object(tokenizer, "ISOLATED", pattern):
        result = train(config)
    tatoeba = TatoebaTask(data / "eval/tatoeba", LANGUAGES).evaluate(
        SentenceTransformerEmbedder(result.model, "model")
    )
    return {
        "seed": seed,
        "tatoeba": {score.language: round(score.mean, 2) for score in tatoeba.scores},
        "dev": {pair: scores["mean"] for pair, scores in result.dev_by_pair.items()},
        "vocabulary": result.model[0].tokenizer.get_vocab_size(),
        "train_seconds": round(result.seconds, 1),
    }


def summary(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Each figure's mean over the seeds."""
    figures = {f"tatoeba {k}": [run["tatoeba"][k] for run in runs] for k in runs[0]["tatoeba"]}
    figures |= {f"dev {k}": [run["dev"][k] for run in runs] for k in runs[0]["dev"]}
    return {name: round(statistics.mean(values), 2) for name, values in figures.items()}


def markdown(results: dict[str, dict[str, Any]]) -> str:
    columns = list(next(iter(results.values()))["mean"])
    lines = [
        "| pre-tokenisation | " + " | ".join(columns) + " | vocabulary |",
        "|" + "---|" * (len(columns) + 2),
    ]
    for name, result in results.items():
        vocabulary = statistics.mean(run["vocabulary"] for run in result["runs"])
        cells = " | ".join(f"{result['mean'][c]:.1f}" for c in columns)
        lines.append(f"| {name} | {cells} | {vocabulary:,.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    report = Report("unspaced_scripts", args.data, args.output)
    results = {}
    with tempfile.TemporaryDirectory() as work:
        for name, pattern in VARIANTS.items():
            runs = [
                run_variant(pattern, args.data, seed, args.epochs, Path(work)) for seed in range(args.seeds)
            ]
            results[name] = {"runs": runs, "mean": summary(runs)}
            print(f"{name}: {results[name]['mean']}", flush=True)
    print("\n" + markdown(results))
    report.write({"pairs": PAIRS, "seeds": args.seeds, "epochs": args.epochs}, variants=results)


if __name__ == "__main__":
    main()
