"""``align train``: corpora in, a saved sentence-transformers encoder out.

This module only wires things together: align's data layer builds the dataset, the encoder is
either a fresh static encoder or a pretrained model, the loss is :mod:`align.training.losses`, and
sentence-transformers' own trainer runs the loop (progress bar, checkpoints, resume, evaluation).
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import datasets
from sentence_transformers import (
    SentenceTransformer,
    SentenceTransformerTrainer,
    SentenceTransformerTrainingArguments,
)
from sentence_transformers.base.sampler import BatchSamplers
from sentence_transformers.sentence_transformer.evaluation import TranslationEvaluator
from transformers.trainer_utils import get_last_checkpoint

from align.data import CleaningConfig, build_pair_dataset, resolve_sources, split_train_dev
from align.encode import load_encoder
from align.encoders.script_variants import fold_to_simplified, tie_traditional_rows
from align.encoders.static import build_static_encoder
from align.files import AlignError, atomic_path, refuse_overwrite
from align.training.losses import CachedTranslationRankingLoss, TranslationRankingLoss

logger = logging.getLogger(__name__)

STATIC = "static"
STATE_FILE = "align_training.json"


@dataclass
class TrainConfig:
    """Everything ``align train`` needs. ``None`` means "the default for this kind of encoder"."""

    pairs: str
    output: str
    data: str | None = None
    model: str = STATIC
    # Data
    format: str | None = None
    columns: tuple[str, str] | None = None
    cleaning: CleaningConfig = field(default_factory=CleaningConfig)
    skip_bad_lines: bool = False
    dev_size: int = 1000
    # Static encoder
    embedding_dim: int = 512
    vocab_size: int = 50_000
    fold_traditional: bool = True  # learn Traditional and Simplified Chinese as one script
    # Optimisation
    epochs: float | None = None
    batch_size: int | None = None
    learning_rate: float | None = None
    warmup_ratio: float = 0.1
    scale: float = 20.0
    margin: float | None = None
    symmetric: bool = True
    mini_batch_size: int | None = None  # gradient caching: embed this many at a time (transformers only)
    no_duplicates: bool = True
    max_seq_length: int | None = None
    eval_steps: int | None = None
    seed: int = 42
    # Run control
    resume: bool = False
    force: bool = False

    @property
    def is_static(self) -> bool:
        return self.model == STATIC


# A static encoder learns fast with a large batch and a large learning rate; a pretrained
# transformer needs a small learning rate so fine-tuning does not wipe out what it knows.
# LaBSE's additive margin of 0.3 lifts a static encoder's Tatoeba cmn-eng by 3 points (docs/training.md);
# it is not yet measured for fine-tuning, which keeps plain InfoNCE.
_STATIC_DEFAULTS = {"epochs": 10.0, "batch_size": 512, "learning_rate": 0.2, "margin": 0.3}
_TRANSFORMER_DEFAULTS = {"epochs": 1.0, "batch_size": 64, "learning_rate": 2e-5, "margin": 0.0}


def with_defaults(config: TrainConfig) -> TrainConfig:
    """Fill the ``None`` settings with the defaults for the chosen kind of encoder."""
    defaults = _STATIC_DEFAULTS if config.is_static else _TRANSFORMER_DEFAULTS
    values = {
        key: getattr(config, key) if getattr(config, key) is not None else value
        for key, value in defaults.items()
    }
    return TrainConfig(**{**asdict(config), "cleaning": config.cleaning, **values})


@dataclass
class TrainResult:
    output: Path
    train_pairs: int
    dev_scores: dict[str, float]
    seconds: float
    cleaning: str
    losses: list[float]  # the training loss at each logging step, to see that it went down
    model: SentenceTransformer  # the trained model, as saved to ``output``


def _iter_texts(dataset: datasets.Dataset, batch_size: int = 10_000) -> Iterator[str]:
    """Both sides of every pair, streamed from the on-disk dataset (the tokenizer needs no list)."""
    for batch in dataset.iter(batch_size=batch_size):
        yield from batch["source"]
        yield from batch["target"]


def _build_static_model(
    config: TrainConfig, train_texts: Iterable[str], work_dir: Path
) -> SentenceTransformer:
    """A fresh static encoder, its tokenizer trained on ``train_texts``; kept in ``work_dir`` so that a
    resumed run rebuilds exactly the same model before loading its checkpoint."""
    initial = work_dir / "initial-model"
    if initial.is_dir():
        return SentenceTransformer(str(initial), device="cpu")
    model = build_static_encoder(
        train_texts,
        embedding_dim=config.embedding_dim,
        vocab_size=config.vocab_size,
        fold_traditional=config.fold_traditional,
        seed=config.seed,
    )
    model.save(str(initial))
    return model


def _load_pretrained(config: TrainConfig) -> SentenceTransformer:
    model = load_encoder(config.model)
    if config.max_seq_length:
        model.max_seq_length = config.max_seq_length
    return model


def _fold_pair(batch: dict[str, list[str]]) -> dict[str, list[str]]:
    return {column: [fold_to_simplified(text) for text in texts] for column, texts in batch.items()}


def _build_loss(config: TrainConfig, model: SentenceTransformer) -> TranslationRankingLoss:
    if config.mini_batch_size:
        return CachedTranslationRankingLoss(
            model,
            scale=config.scale,
            margin=config.margin,
            symmetric=config.symmetric,
            mini_batch_size=config.mini_batch_size,
        )
    return TranslationRankingLoss(model, scale=config.scale, margin=config.margin, symmetric=config.symmetric)


def _language_list(pairs: str) -> list[str]:
    languages: list[str] = []
    for pair in pairs.split(","):
        languages += [lang for lang in pair.strip().split("-") if lang not in languages]
    return languages


def train(config: TrainConfig) -> TrainResult:
    """Train an encoder as ``config`` says and save it to ``config.output``.

    Work in progress (the cleaned corpus, the initial model, checkpoints) lives in
    ``OUTPUT.work/``; with ``resume`` a run restarts from its last checkpoint there. The final
    model is written to a temporary directory and renamed, so ``OUTPUT`` is complete or absent.
    """
    config = with_defaults(config)
    output = Path(config.output)
    work_dir = output.with_name(output.name + ".work")
    if not config.resume:
        refuse_overwrite(output, config.force)
        if output.exists() and not (output / "modules.json").is_file():
            raise AlignError(
                f"{output} exists and is not a sentence-transformers model; "
                "refusing to replace it even with --force"
            )
        if work_dir.exists():
            if not config.force:
                raise AlignError(
                    f"{work_dir} holds an unfinished run; pass --resume to continue it "
                    "or --force to start again"
                )
            shutil.rmtree(work_dir)
    elif not work_dir.is_dir():
        raise AlignError(f"--resume: there is no unfinished run in {work_dir}")
    work_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    # A pretrained model is loaded first, so that a wrong name fails before the corpus is read.
    model = None if config.is_static else _load_pretrained(config)

    sources = resolve_sources(config.pairs, config.data, format=config.format, columns=config.columns)
    dataset, cleaning_stats, _ = build_pair_dataset(
        sources, work_dir, cleaning=config.cleaning, skip_bad_lines=config.skip_bad_lines
    )
    if config.is_static and config.fold_traditional:
        dataset = dataset.map(_fold_pair, batched=True, cache_file_name=str(work_dir / "folded.arrow"))
    train_set, dev_set = split_train_dev(dataset, config.dev_size, config.seed)
    logger.info(
        "Training on %d pairs, %d held out for dev evaluation",
        len(train_set),
        len(dev_set) if dev_set is not None else 0,
    )

    if model is None:
        model = _build_static_model(config, _iter_texts(train_set), work_dir)

    evaluator = None
    if dev_set is not None:
        evaluator = TranslationEvaluator(
            list(dev_set["source"]), list(dev_set["target"]), name="dev", batch_size=256, write_csv=False
        )
    steps_per_epoch = max(1, len(train_set) // config.batch_size)
    total_steps = int(steps_per_epoch * config.epochs)
    eval_steps = config.eval_steps or max(1, total_steps // 5)
    card = model.model_card_data
    card.language = _language_list(config.pairs)
    card.model_name = f"align {'static' if config.is_static else config.model} encoder for {config.pairs}"
    card.train_datasets = [{"name": "; ".join(source.describe() for source in sources)}]
    arguments = SentenceTransformerTrainingArguments(
        output_dir=str(work_dir / "checkpoints"),
        num_train_epochs=config.epochs,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        warmup_steps=int(total_steps * config.warmup_ratio),
        batch_sampler=BatchSamplers.NO_DUPLICATES if config.no_duplicates else BatchSamplers.BATCH_SAMPLER,
        eval_strategy="steps" if evaluator else "no",
        eval_steps=eval_steps,
        save_strategy="steps",
        save_steps=eval_steps,
        save_total_limit=2,
        logging_steps=max(1, min(50, eval_steps)),
        seed=config.seed,
        data_seed=config.seed,
        report_to="none",
        use_cpu=config.is_static,  # a static encoder is faster on the CPU than the GPU transfer costs
        dataloader_drop_last=len(train_set) > config.batch_size,
    )
    trainer = SentenceTransformerTrainer(
        model=model,
        args=arguments,
        train_dataset=train_set,
        loss=_build_loss(config, model),
        evaluator=evaluator,
    )
    last_checkpoint = get_last_checkpoint(arguments.output_dir) if config.resume else None
    if config.resume and last_checkpoint is None:
        logger.warning("No checkpoint in %s yet; training from the start", arguments.output_dir)
    trainer.train(resume_from_checkpoint=last_checkpoint)

    if config.is_static and config.fold_traditional:
        tie_traditional_rows(model)
    dev_scores = _dev_scores(evaluator, model)
    seconds = time.perf_counter() - started
    state = {
        "config": asdict(config),
        "sources": [s.describe() for s in sources],
        "cleaning": cleaning_stats.summary(),
        "train_pairs": len(train_set),
        "dev_scores": dev_scores,
        "seconds": round(seconds, 1),
    }
    with atomic_path(output) as tmp:
        model.save(str(tmp))
        (tmp / STATE_FILE).write_text(
            json.dumps(state, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    shutil.rmtree(work_dir)
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    return TrainResult(output, len(train_set), dev_scores, seconds, cleaning_stats.summary(), losses, model)


def _dev_scores(evaluator: TranslationEvaluator | None, model: SentenceTransformer) -> dict[str, float]:
    """Final dev accuracies in %: source→target, target→source and their mean."""
    if evaluator is None:
        return {}
    metrics = evaluator(model)
    return {
        "src2trg": round(100 * metrics["dev_src2trg_accuracy"], 2),
        "trg2src": round(100 * metrics["dev_trg2src_accuracy"], 2),
        "mean": round(100 * metrics["dev_mean_accuracy"], 2),
    }
