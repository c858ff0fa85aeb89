"""The plain sentence-transformers recipe the baselines train with: no align code, only what its
docs show (benchmarks/train_static.py's static encoder, benchmarks/finetune_e5.py's fine-tuning)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from datasets import Dataset
from sentence_transformers import (
    SentenceTransformer,
    SentenceTransformerTrainer,
    SentenceTransformerTrainingArguments,
)
from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss


def train_plain(
    model: SentenceTransformer,
    dataset: Dataset,
    output: Path,
    *,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    logging_steps: int,
    seed: int,
    **arguments: Any,
) -> None:
    """Train ``model`` on (anchor, positive) pairs with the symmetric in-batch loss (scale 20),
    10 % warm-up and no checkpoints; ``arguments`` go to the training arguments as they are."""
    loss = MultipleNegativesRankingLoss(
        model, scale=20.0, directions=("query_to_doc", "doc_to_query"), partition_mode="per_direction"
    )
    training_arguments = SentenceTransformerTrainingArguments(
        output_dir=str(output / "checkpoints"),
        num_train_epochs=epochs,
        per_device_train_batch_size=batch_size,
        learning_rate=learning_rate,
        warmup_ratio=0.1,
        save_strategy="no",
        logging_steps=logging_steps,
        report_to="none",
        seed=seed,
        disable_tqdm=True,
        **arguments,
    )
    SentenceTransformerTrainer(model=model, args=training_arguments, train_dataset=dataset, loss=loss).train()
