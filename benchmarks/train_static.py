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

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from datasets import Dataset
from sentence_transformers import (
    SentenceTransformer,
    SentenceTransformerTrainer,
    SentenceTransformerTrainingArguments,
)
from sentence_transformers.base.sampler import BatchSamplers
from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
from sentence_transformers.sentence_transformer.modules import StaticEmbedding
from tokenizers import Regex, Tokenizer, normalizers, pre_tokenizers
from tokenizers.models import WordPiece
from tokenizers.trainers import WordPieceTrainer

from align.bench.report import report_header, write_json
from align.bench.tatoeba import score_tatoeba

# Tatoeba's code for each training language.
TATOEBA_CODE = {"zh": "cmn", "de": "deu", "fr": "fra", "ja": "jpn"}


def read_moses_dir(directory: Path, source: str, target: str) -> tuple[list[str], list[str]]:
    [source_file] = sorted(directory.glob(f"*.{source}-{target}.{source}"))
    target_file = source_file.with_name(source_file.name[: -len(source)] + target)
    return (
        source_file.read_text(encoding="utf-8").splitlines(),
        target_file.read_text(encoding="utf-8").splitlines(),
    )


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
    loss = MultipleNegativesRankingLoss(
        model, scale=20.0, directions=("query_to_doc", "doc_to_query"), partition_mode="per_direction"
    )
    arguments = SentenceTransformerTrainingArguments(
        output_dir=str(output / "checkpoints"),
        num_train_epochs=10,
        per_device_train_batch_size=512,
        learning_rate=0.2,
        warmup_ratio=0.1,
        batch_sampler=BatchSamplers.NO_DUPLICATES,
        save_strategy="no",
        logging_steps=100,
        report_to="none",
        use_cpu=True,
        seed=42,
        disable_tqdm=True,
    )
    dataset = Dataset.from_dict({"anchor": sources, "positive": targets})
    SentenceTransformerTrainer(model=model, args=arguments, train_dataset=dataset, loss=loss).train()
    return model


def train_with_align(data: Path, pair: str, output: Path) -> None:
    """`align train` exactly as a user types it, defaults only."""
    command = [
        sys.executable,
        "-m",
        "align.cli",
        "train",
        "--pairs",
        pair,
        "--data",
        str(data),
        "--output",
        str(output),
    ]
    subprocess.run(command, check=True)


def benchmark_pair(
    data_root: Path, tatoeba: Path, pair: str, workdir: Path, with_baseline: bool
) -> list[dict]:
    source, target = pair.split("-")
    code = TATOEBA_CODE[target]
    corpus = data_root / "train" / pair

    def row(system: str, model: SentenceTransformer, seconds: float) -> dict:
        score = score_tatoeba(model, tatoeba, code)
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
    train_with_align(corpus, pair, workdir / f"align-{pair}")
    seconds = time.perf_counter() - started
    trained = SentenceTransformer(str(workdir / f"align-{pair}"), device="cpu")
    rows.append(row("align train (defaults)", trained, seconds))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--pairs", default="en-zh,en-de,en-fr")
    parser.add_argument("--baseline-pairs", default="en-zh", help="pairs on which the plain recipe also runs")
    parser.add_argument(
        "--output", type=Path, default=Path(__file__).parent / "results" / "train_static.json"
    )
    args = parser.parse_args()
    if not (args.data / "train").is_dir():
        sys.exit(f"no training data in {args.data}/train; pass --data")

    run_started = time.perf_counter()
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
    settings = {"pairs": args.pairs, "baseline_pairs": args.baseline_pairs}
    report = report_header(
        "train_static", data=str(args.data), settings=settings, seconds=time.perf_counter() - run_started
    )
    report.update(rows=rows)
    write_json(report, args.output)
    print(f"\nwrote {args.output}")


if __name__ == "__main__":
    main()
