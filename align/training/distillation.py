"""``align distill``: a fast student from a transformer teacher.

Multilingual knowledge distillation (Reimers & Gurevych 2020). For each training pair the teacher
embeds the source sentence once; the student learns to put both the sentence and its translation
on that point (:class:`~align.training.losses.DistillationLoss`), with the translation ranking loss
beside it. Either student saves as a plain sentence-transformers model:

* **static** (the default, :mod:`align.training.encoders.student`): a tokenizer trained on the corpus (or
  the teacher's own, trimmed), one vector per piece initialised from the teacher, mean pooling.
  It encodes tens of thousands of sentences a second on a CPU.
* **transformer** (:mod:`align.training.encoders.layer_reduction`): the teacher with some of its layers,
  trained as a pretrained model is fine-tuned (word embeddings frozen, which keeps the teacher's
  vocabulary for every language and makes a CPU step several times cheaper).

The corpus tokenizer is the default because it measured better on en-zh: Tatoeba cmn-eng 92.70
against 89.20 with e5's trimmed tokenizer (docs/finetuning.md). XLM-R's pieces cut Chinese into
multi-character chunks, each seen rarely; one token per Han character gives every character's
vector the whole corpus to learn from. Either way the corpus is folded from Traditional to
Simplified Chinese first, which alone took the trimmed-tokenizer student from 82.75 to 89.20.

Everything else (the corpus, dev and watch evaluation, checkpoints, ``--resume``, the atomic save)
is :func:`align.training.trainer.train`'s.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path

import datasets
import numpy as np
from sentence_transformers import SentenceTransformer

from align.embedding.sentence_transformer import SentenceTransformerEmbedder, on_devices
from align.encode import encode_to_npy, model_digest
from align.model_source import check_model_source
from align.outputs import atomic_path, cache_dir
from align.training import distributed
from align.training.batches import gathers_negatives
from align.training.config import DistillConfig, with_defaults
from align.training.encoders.layer_reduction import layer_reduced_copy
from align.training.encoders.student import (
    build_corpus_student,
    build_static_student,
    widen_to_teacher_vocabulary,
)
from align.training.losses import DistillationLoss
from align.training.pretrained import freeze_word_embeddings
from align.training.progress import map_quietly
from align.training.runs import initial_model
from align.training.trainer import (
    Corpus,
    TrainResult,
    corpus_sources,
    finish,
    fit,
    iter_texts,
    load_corpus,
    load_pretrained,
    start_run,
)

logger = logging.getLogger(__name__)


def distill(config: DistillConfig) -> TrainResult:
    """Distil ``config.teacher`` into a student saved at ``config.output``."""
    config = with_defaults(config)
    check_model_source(config.teacher)
    distributed.start(cpu=config.on_cpu)
    sources = corpus_sources(config)
    started = time.perf_counter()
    with start_run(config, sources) as work_dir:
        teacher = _load_teacher(config)
        corpus = load_corpus(config, work_dir, sources)
        labelled = _with_teacher_embeddings(teacher, corpus, config, work_dir)
        student = _initial_student(config, teacher, corpus, work_dir)
        del teacher  # hundreds of MB that training does not need
        loss = DistillationLoss(
            student,
            ranking_weight=config.ranking_weight,
            scale=config.scale,
            margin=config.margin,
            symmetric=config.symmetric,
            gather=gathers_negatives(config),
        )
        name = f"align {config.student} student of {config.teacher} for {config.pairs}"
        fitted = fit(config, student, loss, corpus, work_dir, name, train_set=labelled)
        if config.student_tokenizer == "teacher-full":  # only a static student has one (DistillConfig)
            student = widen_to_teacher_vocabulary(student, _load_teacher(config))
        return finish(config, student, fitted, corpus, work_dir, started)


def _load_teacher(config: DistillConfig) -> SentenceTransformer:
    return load_pretrained(
        config.teacher, max_seq_length=config.max_seq_length, prompt=config.prompt, freeze_embeddings=False
    )


def _with_teacher_embeddings(
    teacher: SentenceTransformer, corpus: Corpus, config: DistillConfig, work_dir: Path
) -> datasets.Dataset:
    """The training split with a ``label`` column: the teacher's embedding of each source sentence.

    Each distinct source sentence is embedded once: multi-way parallel corpora (FLORES, TICO-19)
    repeat one English sentence for every language, and on train/ without the Challenge 414k pairs
    hold 236,643 distinct English sentences. The embeddings are the slow part of a run (half an
    hour on two CPU cores for those), so they are kept in align's cache under a key of the teacher
    and the sentences: a resumed run, or another student of the same teacher on the same corpus,
    reuses them.
    """
    sources = corpus.train_set["source"]
    row_of = {sentence: row for row, sentence in enumerate(dict.fromkeys(sources))}
    path = teacher_embeddings_path(teacher, config, list(row_of))
    embeddings = np.load(path, mmap_mode="r") if path.is_file() else None
    if embeddings is None or len(embeddings) != len(row_of):
        logger.info(
            "Embedding %s distinct source sentences (of %s pairs) with the teacher, kept in %s",
            f"{len(row_of):,}",
            f"{len(sources):,}",
            path,
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        embeddings = _embed_in_shares(teacher, list(row_of), path, config)
    rows = np.fromiter((row_of[sentence] for sentence in sources), dtype=np.int64, count=len(sources))

    def add_labels(batch: dict[str, list], indices: list[int]) -> dict[str, np.ndarray]:
        return {"label": np.asarray(embeddings[rows[indices]], dtype=np.float32)}

    return map_quietly(
        corpus.train_set,
        add_labels,
        with_indices=True,
        batched=True,
        cache_file_name=str(work_dir / f"labelled{distributed.rank_suffix()}.arrow"),
    )


def _embed_in_shares(
    teacher: SentenceTransformer, sentences: list[str], path: Path, config: DistillConfig
) -> np.ndarray:
    """The teacher's embeddings of ``sentences`` at ``path``: with several processes, each embeds
    its own contiguous share on its own device, and the first joins the shares; in one process,
    on each of ``config.teacher_devices`` at once."""
    world, rank = distributed.world_size(), distributed.rank()
    batch_size = config.teacher_batch_size
    if world == 1:
        embedder = SentenceTransformerEmbedder(teacher, config.teacher, batch_size=batch_size)
        with on_devices(embedder, config.teacher_devices) as running:
            return encode_to_npy(running, sentences, path, batch_size=batch_size)
    bounds = np.linspace(0, len(sentences), world + 1).astype(int)
    names = [path.with_name(f"{path.stem}.share{r}-of-{world}.npy") for r in range(world)]
    encode_to_npy(teacher, sentences[bounds[rank] : bounds[rank + 1]], names[rank], batch_size=batch_size)
    distributed.barrier()
    if distributed.is_main():
        shares = [np.load(name, mmap_mode="r") for name in names]
        with atomic_path(path) as tmp:
            joined = np.lib.format.open_memmap(
                tmp, mode="w+", dtype=shares[0].dtype, shape=(len(sentences), shares[0].shape[1])
            )
            for part, start in zip(shares, bounds[:-1], strict=True):
                joined[start : start + len(part)] = part
            joined.flush()
            del joined
        for name in names:
            name.unlink()
    distributed.barrier()
    return np.load(path, mmap_mode="r")


def teacher_embeddings_path(
    teacher: SentenceTransformer, config: DistillConfig, sentences: list[str]
) -> Path:
    """Where the teacher's embeddings of ``sentences`` are cached: keyed by the teacher's weights
    and prompt (:func:`align.encode.model_digest`), its length limit and the sentences."""
    digest = hashlib.sha1(json.dumps([model_digest(teacher), config.max_seq_length]).encode())
    for sentence in sentences:
        digest.update(sentence.encode())
        digest.update(b"\n")
    return cache_dir("teacher-embeddings") / f"{digest.hexdigest()[:20]}.npy"


def _initial_student(
    config: DistillConfig, teacher: SentenceTransformer, corpus: Corpus, work_dir: Path
) -> SentenceTransformer:
    """The untrained student: the teacher cut to ``student_layers`` of its layers, or a static
    encoder whose vocabulary is the pieces of both sides of the training pairs."""
    if not config.is_static:
        with distributed.main_first():
            student = initial_model(
                work_dir / "initial-student", lambda: layer_reduced_copy(teacher, config.student_layers)
            )
        frozen = freeze_word_embeddings(student)
        logger.info(
            "Transformer student: %d layers of the teacher's, word embeddings (%s parameters) frozen",
            config.student_layers,
            f"{frozen:,}",
        )
        return student

    def build() -> SentenceTransformer:
        texts = iter_texts(corpus.train_set)
        if config.student_tokenizer == "corpus":
            return build_corpus_student(
                teacher,
                texts,
                vocab_size=config.vocab_size,
                fold_traditional=config.fold_traditional,
                initialise_from_teacher=config.initialise_from_teacher,
                seed=config.seed,
            )
        return build_static_student(
            teacher, texts, initialise_from_teacher=config.initialise_from_teacher, seed=config.seed
        )

    with distributed.main_first():
        return initial_model(work_dir / "initial-student", build)
