"""Batch samplers: no text twice in a batch, pairs of similar length, language pairs balanced by
temperature, and a global batch cut into per-process slices.

As in sentence-transformers' ``NoDuplicatesBatchSampler``, a sentence never meets a copy of itself
in a batch, where it would be a false negative (:class:`UniqueTextsBatchSampler`). For
fine-tuning a transformer on a CPU, batches of similar length (:class:`LengthGroupedBatchSampler`):
a batch is padded to its longest sentence, and random batches of the en-zh training corpus are
padded to 51 multilingual-e5 tokens on average while holding 18, so most of each step is spent on
padding. Grouping pairs of similar length into a batch (HF's ``LengthGroupedSampler`` idea:
shuffle, sort within mega-batches, shuffle the batches) removes most of it, and negatives of
similar length are, if anything, harder ones.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import torch
from datasets import Dataset
from sentence_transformers.base.sampler import DefaultBatchSampler

# Sort within this many batches' worth of pairs: enough to group lengths, few enough that batches
# still mix pairs from all over the corpus.
MEGABATCH_BATCHES = 50


class UniqueTextsBatchSampler(DefaultBatchSampler):
    """Yields random index batches in which no source or target text occurs twice.

    Only the dataset's text columns count, not a row-number column that its transform resolves
    into hard negatives (:mod:`align.training.negatives`): a weak model gives many pairs the same
    few negatives, and keeping those apart would starve a small language pair of full batches
    (1,000 pairs at batch 512: none was left). The loss instead leaves out a negative that copies
    a pair's own target (:func:`align.training.losses.translation_ranking_loss`).
    """

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
        text_columns = [
            name
            for name, feature in dataset.features.items()
            if getattr(feature, "dtype", None) == "string" and name not in (valid_label_columns or [])
        ]
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
        order = torch.randperm(len(self.lengths), generator=self._epoch_generator()).tolist()
        yield from self._batches_without_duplicates(order)

    def _epoch_generator(self) -> torch.Generator:
        """The random source of this epoch's batches: the same for a seed and an epoch."""
        generator = self.generator or torch.Generator()
        generator.manual_seed(self.seed + self.epoch)
        return generator

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


class LengthGroupedBatchSampler(UniqueTextsBatchSampler):
    """Yields index batches of pairs of similar length, with no text twice in a batch."""

    def __iter__(self) -> Iterator[list[int]]:
        generator = self._epoch_generator()
        order = torch.randperm(len(self.lengths), generator=generator).tolist()
        batches = self._length_grouped_batches(order)
        for position in torch.randperm(len(batches), generator=generator).tolist():
            yield batches[position]

    def _length_grouped_batches(self, order: list[int]) -> list[list[int]]:
        """Batches cut from ``order`` after sorting it by length within each megabatch."""
        span = self.batch_size * MEGABATCH_BATCHES
        batches: list[list[int]] = []
        for start in range(0, len(order), span):
            chunk = sorted(order[start : start + span], key=self.lengths.__getitem__)
            batches += self._batches_without_duplicates(chunk)
        return batches


def temperature_shares(sizes: Mapping[str, int], alpha: float) -> dict[str, float]:
    """Each language pair's share of an epoch, p ∝ n^α (XLM-R, LaBSE): α = 1 keeps the data's
    proportions, α = 0 draws every pair equally often, values between lift the small pairs."""
    weights = {key: float(size) ** alpha for key, size in sizes.items()}
    total = sum(weights.values())
    return {key: weight / total for key, weight in weights.items()}


def epoch_draws(sizes: Mapping[str, int], alpha: float, total: int) -> dict[str, int]:
    """How many pairs each language pair contributes to an epoch of ``total`` pairs (the shares of
    :func:`temperature_shares`, rounded so they sum to ``total``; every pair at least one)."""
    shares = temperature_shares(sizes, alpha)
    exact = {key: share * total for key, share in shares.items()}
    draws = {key: max(1, int(value)) for key, value in exact.items()}
    by_remainder = sorted(exact, key=lambda key: exact[key] - int(exact[key]), reverse=True)
    for key in by_remainder[: max(0, total - sum(draws.values()))]:
        draws[key] += 1
    return draws


class LanguageBalancedBatchSampler(LengthGroupedBatchSampler):
    """Batches for many language pairs: each epoch draws every pair by temperature (small pairs
    repeated, large ones subsampled), then cuts batches that mix the pairs, or that each hold one
    pair (``single_pair_batches``: every negative in the same language, a harder task).

    A pair with fewer distinct pairs than a batch cannot fill one without repeating a text: its
    draws are spread over the other pairs' batches. Within a batch no text repeats; with
    ``group_by_length`` batches hold pairs of similar length, as in the parent class.
    """

    def __init__(
        self,
        dataset: Dataset,
        *args: Any,
        pairs: Sequence[str],
        alpha: float,
        single_pair_batches: bool = False,
        group_by_length: bool = False,
        **kwargs: Any,
    ) -> None:
        """``pairs`` labels each row of ``dataset`` with its language pair; the other arguments
        are sentence-transformers' batch-sampler arguments, as for the parent class."""
        super().__init__(dataset, *args, **kwargs)
        if len(pairs) != len(dataset):
            raise ValueError(f"{len(pairs)} language-pair labels for {len(dataset)} rows")
        rows: dict[str, list[int]] = {}
        for row, key in enumerate(pairs):
            rows.setdefault(key, []).append(row)
        self.rows = {key: torch.tensor(indices) for key, indices in rows.items()}
        self.draws = epoch_draws({key: len(r) for key, r in rows.items()}, alpha, len(dataset))
        self.single_pair_batches = single_pair_batches
        self.group_by_length = group_by_length

    def __iter__(self) -> Iterator[list[int]]:
        generator = self._epoch_generator()
        drawn = {key: self._draw(self.rows[key], count, generator) for key, count in self.draws.items()}
        batches: list[list[int]] = []
        for group in self._groups(drawn):
            order = group[torch.randperm(len(group), generator=generator)].tolist()
            if self.group_by_length:
                batches += self._length_grouped_batches(order)
            else:
                batches += self._batches_without_duplicates(order)
        for position in torch.randperm(len(batches), generator=generator).tolist():
            yield batches[position]

    def _groups(self, drawn: dict[str, torch.Tensor]) -> list[torch.Tensor]:
        """The index pools batches are cut from: one for all, or one per language pair. A pair too
        small to fill a batch alone has its draws spread over the others' pools."""
        if not self.single_pair_batches:
            return [torch.cat(list(drawn.values()))]
        alone = [d for key, d in drawn.items() if len(self.rows[key]) >= self.batch_size]
        small = [d for key, d in drawn.items() if len(self.rows[key]) < self.batch_size]
        if not alone:
            return [torch.cat(small)]
        if not small:
            return alone
        spread = torch.cat(small).tensor_split(len(alone))
        return [torch.cat([pool, extra]) for pool, extra in zip(alone, spread, strict=True)]

    @staticmethod
    def _draw(rows: torch.Tensor, count: int, generator: torch.Generator) -> torch.Tensor:
        """``count`` rows: whole shuffled passes over ``rows``, then part of one more."""
        passes = -(-count // len(rows))
        return torch.cat([rows[torch.randperm(len(rows), generator=generator)] for _ in range(passes)])[
            :count
        ]

    def __len__(self) -> int:
        sizes = [
            len(group)
            for group in self._groups({k: torch.zeros(c, dtype=torch.long) for k, c in self.draws.items()})
        ]
        if self.drop_last:
            return sum(size // self.batch_size for size in sizes)
        return sum(-(-size // self.batch_size) for size in sizes)


class DeviceSlices(DefaultBatchSampler):
    """The batches of one process among ``world`` training together: a batch sampler (``build``)
    cuts global batches of ``world`` × ``batch_size`` pairs, and each is yielded as ``world``
    consecutive slices, which accelerate hands out one a process (process r takes every world-th
    batch, starting at the r-th). A step's global batch is so exactly the batch one process would
    draw with the whole batch size: the same mix of language pairs, no text twice in it (a copy on
    another device would be a false negative once negatives are gathered).
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int,
        drop_last: bool,
        valid_label_columns: list[str] | None = None,
        generator: torch.Generator | None = None,
        seed: int = 0,
        *,
        build: Any,
        world: int,
    ) -> None:
        super().__init__(
            dataset,
            batch_size=batch_size,
            drop_last=True,  # a short last batch would leave the processes with unequal slices
            valid_label_columns=valid_label_columns,
            generator=generator,
            seed=seed,
        )
        self.world = world
        self.batches = build(
            dataset,
            batch_size=batch_size * world,
            drop_last=True,
            valid_label_columns=valid_label_columns,
            generator=generator,
            seed=seed,
        )

    def __iter__(self) -> Iterator[list[int]]:
        for batch in self.batches:
            if len(batch) < self.batch_size * self.world:
                continue
            for start in range(0, len(batch), self.batch_size):
                yield batch[start : start + self.batch_size]

    def __len__(self) -> int:
        return len(self.batches) * self.world

    def set_epoch(self, epoch: int) -> None:
        super().set_epoch(epoch)
        self.batches.set_epoch(epoch)
