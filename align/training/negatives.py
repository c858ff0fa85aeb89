"""``align train --hard-negatives K``: each training pair is ranked against ``negative_1`` …
``negative_K`` too, the targets of its own language pair that its source is most easily confused
with (:func:`align.mining.negatives.hard_negatives`).

They are mined before training by the model being fine-tuned or by ``--negatives-model`` and, with
``--refresh-negatives epoch``, again at the start of every later epoch by the model as it is then.
The training set holds each pair's row number, not the negatives' text: its transform reads the
current choice from :class:`HardNegatives` when a batch is drawn, so a refresh changes what the
next batches hold without rebuilding the dataset or the trainer's data loader (the way
sentence-transformers' ``resolve_ids`` resolves ids at read time).

A pair with fewer qualifying candidates gets random other targets of its language pair in the
missing columns, so every pair trains as it would without hard negatives. Each choice is kept in the
run's work directory (``hard-negatives-K.npy``, then ``…-epoch-E.npy``): a resumed run, and the
other processes of a distributed one, read them back.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import datasets
import numpy as np
from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments

from align.embedding.protocol import Embedder
from align.encode import encode_texts
from align.mining.negatives import hard_negatives, text_groups
from align.outputs import atomic_path
from align.training import distributed

logger = logging.getLogger(__name__)

ROW = "row"  # the training set's column of row numbers, resolved to negatives at read time


class HardNegatives:
    """The current hard negative rows of every training pair, and the training-set transform
    that turns a batch's row numbers into their texts."""

    def __init__(self, train_set: datasets.Dataset, count: int, work_dir: Path, *, seed: int) -> None:
        self.count = count
        self.work_dir = work_dir
        self.seed = seed
        self.sources: list[str] = list(train_set["source"])
        self.targets: list[str] = list(train_set["target"])
        pairs = train_set["pair"] if "pair" in train_set.column_names else [""] * len(train_set)
        self.language_pairs = _rows_by_label(list(pairs))
        # copies of a pair's source or target are never its negatives (the texts do not change)
        self.groups = (text_groups(self.sources), text_groups(self.targets))
        self.chosen = np.zeros((0, count), dtype=np.int64)

    def mine(self, miner: Embedder, epoch: int = 0) -> None:
        """Choose every pair's negatives with ``miner`` (the main process mines and saves the
        choice, the others read it; a resumed run reads what it saved)."""
        path = self.work_dir / f"hard-negatives-{self.count}{f'-epoch-{epoch}' if epoch else ''}.npy"
        with distributed.main_first():
            if not path.is_file():
                chosen = self._mine(miner, seed=self.seed + epoch)
                with atomic_path(path) as tmp, open(tmp, "wb") as handle:
                    np.save(handle, chosen)
        self.chosen = np.load(path)

    def attach(self, train_set: datasets.Dataset) -> datasets.Dataset:
        """``train_set`` with a row-number column its transform resolves into ``negative_1`` …"""
        train_set = train_set.add_column(ROW, np.arange(len(train_set), dtype=np.int64))
        train_set.set_transform(self.resolve)
        return train_set

    def resolve(self, batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
        """A batch of the training set, its row numbers replaced by their negatives' texts."""
        rows = batch.pop(ROW, None)
        if rows is not None:
            for column in range(self.count):
                chosen = self.chosen[rows, column]
                batch[f"negative_{column + 1}"] = [self.targets[row] for row in chosen]
        return batch

    def _mine(self, miner: Embedder, seed: int) -> np.ndarray:
        logger.info(
            "Mining %d hard negatives for each of %s pairs with %s",
            self.count,
            f"{len(self.sources):,}",
            miner.name,
        )
        many = len(self.sources) > 10_000
        source = encode_texts(miner, self.sources, show_progress_bar=many)
        target = encode_texts(miner, self.targets, show_progress_bar=many)
        chosen = np.full((len(self.sources), self.count), -1, dtype=np.int64)
        for rows in self.language_pairs:  # negatives from the pair's own language pair
            if len(rows) < 2:
                continue
            found, _ = hard_negatives(
                source[rows],
                target[rows],
                self.count,
                groups=tuple(labels[rows] for labels in self.groups),
            )
            chosen[rows] = np.where(found >= 0, rows[np.maximum(found, 0)], -1)
        _fill_at_random(chosen, self.language_pairs, np.random.default_rng(seed))
        return chosen


def _rows_by_label(labels: list[str]) -> list[np.ndarray]:
    """The row numbers of each label, in order of first appearance."""
    rows: dict[str, list[int]] = {}
    for row, label in enumerate(labels):
        rows.setdefault(label, []).append(row)
    return [np.asarray(group, dtype=np.int64) for group in rows.values()]


def _fill_at_random(chosen: np.ndarray, groups: list[np.ndarray], rng: np.random.Generator) -> None:
    """Replace each -1 of ``chosen`` by another row of the same group (of any group when it has
    one row), never the pair's own: what an in-batch negative would have been."""
    everything = np.arange(len(chosen))
    filled = 0
    for rows in groups:
        pool = rows if len(rows) > 1 else everything
        position, column = np.nonzero(chosen[rows] < 0)
        if len(pool) < 2 or not len(position):
            continue  # nothing missing, or a corpus of one pair: nothing to draw
        own = position if pool is rows else rows[position]  # each pair's own place in the pool
        draws = rng.integers(0, len(pool) - 1, size=len(position))
        chosen[rows[position], column] = pool[draws + (draws >= own)]
        filled += len(np.unique(position))
    if filled:
        logger.info("%s pairs had fewer hard negatives than asked for: filled at random", f"{filled:,}")


class NegativesRefresh(TrainerCallback):
    """Mines the hard negatives again at the start of every epoch after the first, with the model
    being trained (``model``: an :class:`Embedder` wrapping it)."""

    def __init__(self, negatives: HardNegatives, model: Embedder) -> None:
        self.negatives = negatives
        self.model = model

    def on_epoch_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        epoch = int(state.epoch + 1e-6)  # a resumed run starts inside the epoch it stopped in
        if epoch > 0:
            self.negatives.mine(self.model, epoch)
