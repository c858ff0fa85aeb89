"""``align train --hard-negatives K``: each training pair gets columns ``negative_1`` … ``negative_K``,
the targets its source is most easily confused with (:func:`align.mining.negatives.hard_negatives`),
mined once before training by the model being fine-tuned or by ``--negatives-model``. The loss
ranks each source among the batch's targets and every pair's hard negatives.

A pair with fewer qualifying candidates gets random other targets in the missing columns (so
every pair trains, as it would without hard negatives). The chosen rows are kept in the run's work
directory: a resumed run, and the other processes of a distributed one, read them back.
"""

from __future__ import annotations

import logging
from pathlib import Path

import datasets
import numpy as np

from align.embedding.protocol import Embedder
from align.encode import encode_texts
from align.mining.negatives import hard_negatives, text_groups
from align.outputs import atomic_path
from align.training import distributed

logger = logging.getLogger(__name__)


def add_hard_negatives(
    train_set: datasets.Dataset, count: int, miner: Embedder, work_dir: Path, *, seed: int
) -> datasets.Dataset:
    """``train_set`` with ``count`` columns of hard negative targets (``negative_1`` …)."""
    path = work_dir / f"hard-negatives-{count}.npy"
    with distributed.main_first():
        if not path.is_file():
            chosen = _mine(list(train_set["source"]), list(train_set["target"]), count, miner, seed)
            with atomic_path(path) as tmp, open(tmp, "wb") as handle:
                np.save(handle, chosen)
    chosen = np.load(path)
    targets = train_set["target"]
    for column in range(count):
        rows = chosen[:, column].tolist()
        train_set = train_set.add_column(f"negative_{column + 1}", [targets[row] for row in rows])
    return train_set


def _mine(sources: list[str], targets: list[str], count: int, miner: Embedder, seed: int) -> np.ndarray:
    logger.info(
        "Mining %d hard negatives for each of %s pairs with %s", count, f"{len(sources):,}", miner.name
    )
    chosen, _ = hard_negatives(
        encode_texts(miner, sources, show_progress_bar=len(sources) > 10_000),
        encode_texts(miner, targets, show_progress_bar=len(targets) > 10_000),
        count,
        groups=(text_groups(sources), text_groups(targets)),
    )
    missing = chosen < 0
    if missing.any():  # random other targets, as in-batch negatives would be
        rng = np.random.default_rng(seed)
        rows = np.nonzero(missing)[0]
        draws = rng.integers(0, len(targets) - 1, size=len(rows))
        chosen[missing] = draws + (draws >= rows)  # never the pair's own target
        logger.info(
            "%s pairs had fewer hard negatives than asked for: filled at random", f"{len(set(rows)):,}"
        )
    return chosen
