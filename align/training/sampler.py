"""Batches of similar length, without repeated sentences: fine-tuning a transformer on a CPU.

A batch is padded to its longest sentence. Random batches of the en-zh training corpus are padded to
51 multilingual-e5 tokens on average while holding 18, so most of each step is spent on padding.
Grouping pairs of similar length into a batch (HF's ``LengthGroupedSampler`` idea: shuffle, sort
within mega-batches, shuffle the batches) removes most of it, and negatives of similar length are, if
anything, harder ones. As in sentence-transformers' ``NoDuplicatesBatchSampler``, a sentence never
meets a copy of itself in a batch, where it would be a false negative.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

import torch
from datasets import Dataset
from sentence_transformers.base.sampler import DefaultBatchSampler

# Sort within this many batches' worth of pairs: enough to group lengths, few enough that batches
# still mix pairs from all over the corpus.
MEGABATCH_BATCHES = 50


class LengthGroupedBatchSampler(DefaultBatchSampler):
    """Yields index batches of pairs of similar length, with no text twice in a batch."""

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int,
        drop_last: bool,
        valid_label_columns: list[str] | None = None,
        generator: torch.Generator | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__(
            dataset,
            batch_size=batch_size,
            drop_last=drop_last,
            valid_label_columns=valid_label_columns,
            generator=generator,
            seed=seed,
        )
        text_columns = [name for name in dataset.column_names if name not in (valid_label_columns or [])]
        self.lengths: list[int] = [0] * len(dataset)
        self.text_keys: list[tuple[int, ...]] = [()] * len(dataset)
        row = 0
        for batch in dataset.select_columns(text_columns).iter(batch_size=10_000):
            for texts in zip(*(batch[name] for name in text_columns), strict=True):
                # UTF-8 bytes track subword tokens across scripts: ~4 per English token, 3 per Han one.
                self.lengths[row] = max(len(text.encode("utf-8")) for text in texts)
                self.text_keys[row] = tuple(hash(text) for text in texts)
                row += 1

    def __iter__(self) -> Iterator[list[int]]:
        generator = self.generator or torch.Generator()
        generator.manual_seed(self.seed + self.epoch)
        order = torch.randperm(len(self.lengths), generator=generator).tolist()
        span = self.batch_size * MEGABATCH_BATCHES
        batches: list[list[int]] = []
        for start in range(0, len(order), span):
            chunk = sorted(order[start : start + span], key=self.lengths.__getitem__)
            batches += self._batches_without_duplicates(chunk)
        for position in torch.randperm(len(batches), generator=generator).tolist():
            yield batches[position]

    def _batches_without_duplicates(self, indices: list[int]) -> list[list[int]]:
        """Cut ``indices`` into batches in order; a pair repeating a text already in the batch waits
        for the next one."""
        batches: list[list[int]] = []
        waiting: deque[int] = deque()
        pending = deque(indices)
        while pending or waiting:
            batch: list[int] = []
            seen: set[int] = set()
            deferred: deque[int] = deque()
            for queue in (waiting, pending):
                while queue and len(batch) < self.batch_size:
                    index = queue.popleft()
                    keys = self.text_keys[index]
                    if seen.intersection(keys):
                        deferred.append(index)
                        continue
                    batch.append(index)
                    seen.update(keys)
            waiting = deferred + waiting
            if len(batch) == self.batch_size or not self.drop_last:
                batches.append(batch)
            if self.drop_last and not pending and len(batch) < self.batch_size:
                break  # the rest cannot fill a batch without repeating a text
        return batches

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.lengths) // self.batch_size
        return (len(self.lengths) + self.batch_size - 1) // self.batch_size
