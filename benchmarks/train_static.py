"""Benchmark: `align train` with default settings against a plain sentence-transformers static recipe.

Both train on the same corpus in the same run and are scored on Tatoeba (nearest-neighbour
accuracy, cosine, both directions). The baseline is the recipe in DESIGN.md, written here with
sentence-transformers and tokenizers alone: a WordPiece tokenizer trained on the corpus with every
CJK character split out, StaticEmbedding (dim 512), symmetric MultipleNegativesRankingLoss
(scale 20), batch 512, lr 0.2, 10 epochs, no-duplicates batches.

    python benchmarks/train_static.py --data ../shared/data --pairs en-zh,en-de,en-fr

Prints a table and writes benchmarks/results/train_static.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import tempfile
import time

from datasets import Dataset
from sentence_transformers import SentenceTransformer
from sentence_transformers.base.sampler import BatchSamplers
from sentence_transformers.sentence_transformer.modules import StaticEmbedding
from tokenizers import Regex, Tokenizer, normalizers, pre_tokenizers
from tokenizers.models import WordPiece
from tokenizers.trainers import WordPieceTrainer

from align.bench.runner import bench_embedder
from align.bench.tatoeba import score_tatoeba
from align.training import TrainConfig, train
from benchmarks.common import Report, read_lines, script_arguments
from benchmarks.plain_recipe import train_plain

# Tatoeba's code for each training language.
TATOEBA_CODE = {"zh": "cmn", "de": "deu", "fr": "fra", "ja": "jpn"}


def read_moses_dir(directory: Path, source: str, target: str) -> tuple[list[str], list[str]]:
    [source_file] = sorted(directory.glob(f"*.{source}-{target}.{source}"))
    target_file = source_file.with_name(source_file.name[: -len(source)] + target)
    return read_lines(source_file), read_lines(target_file)


def train_plain_recipe(sources: list[str], targets: list[str], output: Path) -> SentenceTransformer:
    """The baseline, with no align code: what a user would write from the sentence-transformers docs."""
    tokenizer = Tokenizer(WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(r"[\p{Han}]"), behavior="isolated"),
            pre_tokenizers.BertPreTokenizer(),
        ]
    )
    tokenizer.train_from_iterator(
        sources + targets,
        WordPieceTrainer(vocab_size=50_000, min_frequency=2, special_tokens=["[UNK]"], show_progress=False),
    )
    model = SentenceTransformer(modules=[StaticEmbedding(tokenizer, embedding_dim=512)], device="cpu")
    train_plain(
        model,
        Dataset.from_dict({"anchor": sources, "positive": targets}),
        output,
        epochs=10,
        batch_size=512,
        learning_rate=0.2,
        logging_steps=100,
        seed=42,
        batch_sampler=BatchSamplers.NO_DUPLICATES,
        use_cpu=True,
    )
    return model


def benchmark_pair(
    data_root: Path, tatoeba: Path, pair: str, workdir: Path, with_baseline: bool
) -> list[dict]:
    source, target = pair.split("-")
    code = TATOEBA_CODE[target]
    corpus = data_root / "train" / pair

    def row(system: str, model: SentenceTransformer, seconds: float) -> dict:
        score = score_tatoeba(bench_embedder(model, "model"), tatoeba, code)
        return {
            "system": system,
            "pair": pair,
            "tatoeba": code,
            "xx_to_en": score.xx_to_en,
            "en_to_xx": score.en_to_xx,
            "mean": score.mean,
            "train_seconds": round(seconds, 1),
        }

    rows = []
    if with_baseline:
        sources, targets = read_moses_dir(corpus, source, target)
        started = time.perf_counter()
        baseline = train_plain_recipe(sources, targets, workdir / f"plain-{pair}")
        rows.append(row("plain sentence-transformers static recipe", baseline, time.perf_counter() - started))
    started = time.perf_counter()
    train(TrainConfig(pairs=pair, data=str(corpus), output=str(workdir / f"align-{pair}")))  # defaults only
    seconds = time.perf_counter() - started
    trained = SentenceTransformer(str(workdir / f"align-{pair}"), device="cpu")
    rows.append(row("align train (defaults)", trained, seconds))
    return rows


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = script_arguments(__doc__, report="train_static")
    parser.add_argument("--pairs", default="en-zh,en-de,en-fr")
    parser.add_argument("--baseline-pairs", default="en-zh", help="pairs on which the plain recipe also runs")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if not (args.data / "train").is_dir():
        sys.exit(f"no training data in {args.data}/train; pass --data")

    report = Report("train_static", args.data, args.output)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as workdir:
        for pair in args.pairs.split(","):
            rows += benchmark_pair(
                args.data,
                args.data / "eval" / "tatoeba",
                pair,
                Path(workdir),
                with_baseline=pair in args.baseline_pairs.split(","),
            )

    print("\n| system | pair | Tatoeba | xx→en | en→xx | mean | train time |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['system']} | {row['pair']} | {row['tatoeba']} | {row['xx_to_en']:.1f} | "
            f"{row['en_to_xx']:.1f} | {row['mean']:.2f} | {row['train_seconds']:.0f} s |"
        )
    report.write({"pairs": args.pairs, "baseline_pairs": args.baseline_pairs}, rows=rows)


if __name__ == "__main__":
    main()
