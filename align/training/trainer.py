"""``align train``: corpora in, a saved sentence-transformers encoder out.

This module only wires things together: align's data layer builds the dataset, the encoder is
either a fresh static encoder or a pretrained model, the loss is :mod:`align.training.losses`, and
sentence-transformers' own trainer runs the loop (checkpoints, resume, evaluation) under align's
one progress bar (:mod:`align.training.progress`).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import datasets
import torch
from sentence_transformers import (
    SentenceTransformer,
    SentenceTransformerTrainer,
    SentenceTransformerTrainingArguments,
)
from sentence_transformers.sentence_transformer.evaluation import SequentialEvaluator
from transformers.trainer_callback import PrinterCallback, ProgressCallback, TrainerCallback
from transformers.trainer_utils import get_last_checkpoint

from align.data import CorpusSource, build_pair_dataset, resolve_sources, split_train_dev
from align.embedding.loading import embedder_of, load_embedder
from align.encode import load_encoder
from align.errors import AlignError
from align.languages import language
from align.model_source import check_model_source
from align.training import distributed
from align.training.batches import batch_description, batch_sampler, check_device, gathers_negatives
from align.training.config import RunConfig, TrainConfig, with_defaults
from align.training.encoders.script_variants import fold_to_simplified, tie_traditional_rows
from align.training.encoders.static import build_static_encoder
from align.training.evaluation import SELECTION_METRIC, build_evaluator, mean_scores, retrieval_scores
from align.training.losses import CachedTranslationRankingLoss, TranslationRankingLoss
from align.training.negatives import HardNegatives, NegativesRefresh
from align.training.pretrained import choose_prompt, freeze_word_embeddings
from align.training.progress import TrainingProgress, map_quietly, quiet_checkpoint_order, set_card_examples
from align.training.runs import (
    initial_model,
    input_fingerprints,
    run_directory,
    run_record,
    save_run,
    work_directory,
)

logger = logging.getLogger(__name__)


@dataclass
class TrainResult:
    output: Path
    train_pairs: int
    dev_scores: dict[str, float]  # translation retrieval on the held-out split, in %
    watch_scores: dict[str, dict[str, float]]  # the same on each --watch set
    seconds: float
    cleaning: str
    losses: list[float]  # the training loss at each logging step, to see that it went down
    model: SentenceTransformer  # the trained model, as saved to ``output``
    dev_by_pair: dict[str, dict[str, float]] = field(default_factory=dict)  # several pairs: each one's
    saved: bool = True  # False in the processes of a distributed run but the first, which saves
    batch: str = ""  # a distributed run's global batch, as batch_description says it

    def summary_lines(self) -> list[str]:
        """What ``align train`` and ``align distill`` print when they finish (the first process
        alone, in a distributed run)."""
        if not self.saved:
            return []
        lines = [
            f"Saved {self.output} after {self.seconds:.0f} s on {self.train_pairs:,} pairs ({self.cleaning})."
        ]
        if self.batch:
            lines.append(f"Batch: {self.batch}.")
        dev_name = f"dev (mean of {len(self.dev_by_pair)} language pairs)" if self.dev_by_pair else "dev"
        for name, accuracies in {dev_name: self.dev_scores, **self.watch_scores}.items():
            if accuracies:
                lines.append(
                    f"Translation retrieval on {name}: source→target {accuracies['src2trg']:.1f} %, "
                    f"target→source {accuracies['trg2src']:.1f} %"
                )
        if self.dev_by_pair:
            lowest = sorted(self.dev_by_pair.items(), key=lambda item: item[1]["mean"])[:5]
            lines.append("Lowest dev pairs: " + ", ".join(f"{key} {s['mean']:.1f} %" for key, s in lowest))
        return lines


def iter_texts(dataset: datasets.Dataset, batch_size: int = 10_000) -> Iterator[str]:
    """Both sides of every pair, streamed from the on-disk dataset (the tokenizer needs no list)."""
    for batch in dataset.iter(batch_size=batch_size):
        yield from batch["source"]
        yield from batch["target"]


def _build_static_model(
    config: TrainConfig, train_texts: Iterable[str], work_dir: Path
) -> SentenceTransformer:
    """A fresh static encoder, its tokenizer trained on ``train_texts`` (by the first process; the
    others load what it saved)."""
    with distributed.main_first():
        return initial_model(
            work_dir / "initial-model",
            lambda: build_static_encoder(
                train_texts,
                embedding_dim=config.embedding_dim,
                vocab_size=config.vocab_size,
                fold_traditional=config.fold_traditional,
                seed=config.seed,
            ),
        )


def load_pretrained(
    name_or_path: str, *, max_seq_length: int | None, prompt: str | None, freeze_embeddings: bool
) -> SentenceTransformer:
    """A pretrained model with its prompt made the default as asked (see :func:`choose_prompt`),
    truncating at ``max_seq_length`` and, for fine-tuning, its word embeddings frozen."""
    model = load_encoder(name_or_path)
    if max_seq_length:
        model.max_seq_length = max_seq_length
    if freeze_embeddings:
        frozen = freeze_word_embeddings(model)
        logger.info("Froze the word embeddings: %s of %s parameters", f"{frozen:,}", f"{_size(model):,}")
    model.default_prompt_name = choose_prompt(model, prompt)
    return model


def _size(model: SentenceTransformer) -> int:
    return sum(parameter.numel() for parameter in model.parameters())


def _fold_pair(batch: dict[str, list[str]]) -> dict[str, list[str]]:
    return {column: [fold_to_simplified(text) for text in batch[column]] for column in ("source", "target")}


def _build_loss(config: TrainConfig, model: SentenceTransformer) -> TranslationRankingLoss:
    settings = {"scale": config.scale, "margin": config.margin, "symmetric": config.symmetric}
    settings["gather"] = gathers_negatives(config)
    if config.mini_batch_size:
        return CachedTranslationRankingLoss(model, mini_batch_size=config.mini_batch_size, **settings)
    return TranslationRankingLoss(model, **settings)


def _languages(sources: list[CorpusSource]) -> list[str]:
    """The languages of the corpora, in the order met, as the language table names them."""
    tags: list[str] = []
    for source in sources:
        tags += [
            tag
            for tag in (language(source.source_lang).tag, language(source.target_lang).tag)
            if tag not in tags
        ]
    return tags


@dataclass
class Corpus:
    """The cleaned pairs of a run, split for training and dev evaluation."""

    sources: list[CorpusSource]
    cleaning: str
    train_set: datasets.Dataset
    dev_sets: dict[str, datasets.Dataset]  # by language pair ("en-de"); empty when too small to split


def corpus_sources(config: RunConfig) -> list[CorpusSource]:
    """The corpora that ``config`` names (``--pairs`` and ``--data``)."""
    return resolve_sources(config.pairs, config.data, format=config.format, columns=config.columns)


@contextlib.contextmanager
def start_run(config: RunConfig, sources: list[CorpusSource]) -> Iterator[Path]:
    """The run's work directory (:func:`align.training.runs.run_directory`), with its record: made
    by the first process, and used by the others once it is there."""
    record = run_record(run_settings(config), input_fingerprints(sources, config.watch))
    if not distributed.is_main():
        distributed.barrier()
        yield work_directory(Path(config.output))
        return
    with run_directory(Path(config.output), resume=config.resume, force=config.force, record=record) as work:
        distributed.barrier()
        yield work


def run_settings(config: RunConfig) -> dict[str, object]:
    """What a run records of itself: its settings, and the processes it trains in (a resumed run
    must have as many, or its batches would not be the ones it started with)."""
    return asdict(config) | {"world_size": distributed.world_size()}


def load_corpus(config: RunConfig, work_dir: Path, sources: list[CorpusSource]) -> Corpus:
    """Read, clean and split ``sources`` as ``config`` says (cached on disk in ``work_dir``)."""
    suffix = distributed.rank_suffix()  # each process reads and writes files of its own
    dataset, cleaning_stats, _ = build_pair_dataset(
        sources,
        work_dir,
        cleaning=config.cleaning,
        skip_bad_lines=config.skip_bad_lines,
        name=f"pairs{suffix}.arrow",
    )
    if config.is_static and config.fold_traditional:
        dataset = map_quietly(
            dataset, _fold_pair, batched=True, cache_file_name=str(work_dir / f"folded{suffix}.arrow")
        )
    train_set, dev_sets = split_train_dev(dataset, config.dev_size, config.seed)
    if config.max_pairs and config.max_pairs < len(train_set):
        train_set = train_set.shuffle(seed=config.seed).select(range(config.max_pairs))
    logger.info(
        "Training on %d pairs, %d held out for dev evaluation (%d language pairs)",
        len(train_set),
        sum(len(dev) for dev in dev_sets.values()),
        len(dev_sets),
    )
    return Corpus(sources, cleaning_stats.summary(), train_set, dev_sets)


def train(config: TrainConfig) -> TrainResult:
    """Train an encoder as ``config`` says and save it to ``config.output``.

    With ``resume`` a run restarts from its last checkpoint in ``OUTPUT.work/``
    (:mod:`align.training.runs`).
    """
    config = with_defaults(config)
    if config.model is not None:
        check_model_source(config.model)
    if config.hard_negatives and config.model is None and config.negatives_model is None:
        raise AlignError(
            "hard_negatives: a static encoder trained from scratch has nothing to mine them with "
            "before training; pass negatives_model= (a trained align model, or any encoder)"
        )
    if config.negatives_model is not None:
        check_model_source(config.negatives_model)
    distributed.start(cpu=config.on_cpu)
    sources = corpus_sources(config)
    started = time.perf_counter()
    with start_run(config, sources) as work_dir:
        # A pretrained model is loaded first, so that a wrong name fails before the corpus is read.
        model = None
        if config.model is not None:
            model = load_pretrained(
                config.model,
                max_seq_length=config.max_seq_length,
                prompt=config.prompt,
                freeze_embeddings=config.freeze_embeddings,
            )
        corpus = load_corpus(config, work_dir, sources)
        if model is None:
            model = _build_static_model(config, iter_texts(corpus.train_set), work_dir)
        train_set, callbacks = corpus.train_set, []
        if config.hard_negatives:  # mined by the model as it starts, or by another
            negatives = HardNegatives(train_set, config.hard_negatives, work_dir, seed=config.seed)
            trained = embedder_of(model, str(config.model or "static"))
            negatives.mine(load_embedder(config.negatives_model) if config.negatives_model else trained)
            train_set = negatives.attach(train_set)
            if config.refresh_negatives == "epoch":
                callbacks.append(NegativesRefresh(negatives, trained))
        name = f"align {config.model or 'static'} encoder for {config.pairs}"
        loss = _build_loss(config, model)
        fitted = fit(config, model, loss, corpus, work_dir, name, train_set=train_set, callbacks=callbacks)
        return finish(config, model, fitted, corpus, work_dir, started)


@dataclass
class Fitted:
    """What training left: the dev evaluator, the training loss at each logging step, and the
    checkpoint a resumed run continued from."""

    evaluator: SequentialEvaluator | None
    losses: list[float]
    steps: int  # optimiser steps, those before a resume included
    resumed_from: str | None = None


def fit(
    config: RunConfig,
    model: SentenceTransformer,
    loss: torch.nn.Module,
    corpus: Corpus,
    work_dir: Path,
    model_name: str,
    train_set: datasets.Dataset | None = None,
    callbacks: Sequence[TrainerCallback] = (),
) -> Fitted:
    """Run sentence-transformers' trainer on the corpus (or ``train_set``, the corpus's training
    split with extra columns), with ``callbacks`` beside align's progress display, resuming as
    asked, and end on the best checkpoint."""
    train_set = train_set if train_set is not None else corpus.train_set
    pairs = train_set["pair"] if "pair" in train_set.column_names else None
    if pairs is not None:
        train_set = train_set.remove_columns("pair")  # a label for the sampler, not a model input
    dev_pairs = {key: (list(dev["source"]), list(dev["target"])) for key, dev in corpus.dev_sets.items()}
    evaluator = build_evaluator(dev_pairs, config.watch)
    prompt = model.prompts[model.default_prompt_name] if model.default_prompt_name else None
    check_device(config)
    world = distributed.world_size()
    global_batch = config.batch_size * world
    if world > 1:
        if len(train_set) < global_batch:
            raise AlignError(
                f"{len(train_set):,} training pairs cannot fill one global batch of {global_batch:,} "
                f"({world} processes × --batch-size {config.batch_size}); lower --batch-size"
            )
        gathered = (
            "every pair scored against all of it" if gathers_negatives(config) else "negatives per process"
        )
        logger.info(
            "Batch: %d pairs a process × %d processes = %d pairs a step (%s)",
            config.batch_size,
            world,
            global_batch,
            gathered,
        )
    steps_per_epoch = max(1, len(train_set) // global_batch)
    total_steps = int(steps_per_epoch * config.epochs)
    eval_steps = config.eval_steps or max(1, total_steps // 5)
    card = model.model_card_data
    card.language = _languages(corpus.sources)
    card.model_name = model_name
    card.train_datasets = [{"name": "; ".join(source.describe() for source in corpus.sources)}]
    set_card_examples(card, train_set)  # else the trainer picks them behind a bar of its own
    arguments = SentenceTransformerTrainingArguments(
        output_dir=str(work_dir / "checkpoints"),
        num_train_epochs=config.epochs,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        warmup_steps=int(total_steps * config.warmup_ratio),
        batch_sampler=batch_sampler(config, pairs),
        eval_strategy="steps" if evaluator else "no",
        eval_steps=eval_steps,
        save_strategy="steps",
        save_steps=eval_steps,
        save_total_limit=2,
        load_best_model_at_end=evaluator is not None,
        metric_for_best_model=SELECTION_METRIC if evaluator else None,
        greater_is_better=True,
        prompts=prompt,
        logging_steps=max(1, min(50, eval_steps)),
        seed=config.seed,
        data_seed=config.seed,
        report_to="none",
        use_cpu=config.on_cpu or not torch.cuda.is_available(),  # else accelerate sees one process
        bf16=config.precision == "bf16",
        fp16=config.precision == "fp16",
        dataloader_drop_last=world > 1 or len(train_set) > config.batch_size,
        # DDP: a static encoder uses every parameter at every step; a transformer may leave some
        # out (a pooler that sentence-transformers' pooling skips), which DDP must then look for.
        ddp_find_unused_parameters=False if config.is_static else None,
    )
    trainer = SentenceTransformerTrainer(
        model=model, args=arguments, train_dataset=train_set, loss=loss, evaluator=evaluator
    )
    if trainer.accelerator.num_processes != world:  # each process would train alone, unsynchronised
        raise AlignError(
            f"{world} processes were launched but the trainer runs {trainer.accelerator.num_processes}; "
            "launch with torchrun or accelerate launch, one process a device"
        )
    # One bar with the loss and dev accuracy in its postfix, instead of a bar with the log dicts.
    trainer.remove_callback(ProgressCallback)
    trainer.remove_callback(PrinterCallback)
    trainer.add_callback(TrainingProgress())
    for callback in callbacks:
        trainer.add_callback(callback)
    last_checkpoint = get_last_checkpoint(arguments.output_dir) if config.resume else None
    if config.resume and last_checkpoint is None:
        logger.warning("No checkpoint in %s yet; training from the start", arguments.output_dir)
    with quiet_checkpoint_order():
        trainer.train(resume_from_checkpoint=last_checkpoint)
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    resumed_from = Path(last_checkpoint).name if last_checkpoint else None
    return Fitted(evaluator, losses, trainer.state.global_step, resumed_from)


def finish(
    config: RunConfig,
    model: SentenceTransformer,
    fitted: Fitted,
    corpus: Corpus,
    work_dir: Path,
    started: float,
) -> TrainResult:
    """Score the final model, save it with its run record, and say what was done.

    A static encoder trained on folded text (see :func:`load_corpus`) first gets its Traditional
    rows tied to their Simplified twins, so Traditional input reads the trained vectors.
    """
    if config.is_static and config.fold_traditional:
        tie_traditional_rows(model)
    dev_by_pair, watch_scores = retrieval_scores(fitted.evaluator, model)
    dev_scores = dev_by_pair.pop("dev", None) or mean_scores(dev_by_pair)
    seconds = time.perf_counter() - started
    state = {
        "config": asdict(config),
        "sources": [s.describe() for s in corpus.sources],
        "languages": _languages(corpus.sources),
        "cleaning": corpus.cleaning,
        "train_pairs": len(corpus.train_set),
        "world_size": distributed.world_size(),
        "global_batch_size": config.batch_size * distributed.world_size(),
        "gather_negatives": gathers_negatives(config),
        "steps": fitted.steps,
        "resumed_from": fitted.resumed_from,
        "dev_scores": dev_scores,
        "dev_by_pair": dev_by_pair,
        "watch_scores": watch_scores,
        "seconds": round(seconds, 1),
    }
    output = Path(config.output)
    distributed.barrier()  # every process is done with the work directory that saving removes
    if distributed.is_main():
        save_run(model, output, work_dir, state)
    return TrainResult(
        output,
        len(corpus.train_set),
        dev_scores,
        watch_scores,
        seconds,
        corpus.cleaning,
        fitted.losses,
        model,
        dev_by_pair,
        saved=distributed.is_main(),
        batch=batch_description(config),
    )
