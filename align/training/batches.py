"""What one training step's batch is: which sampler cuts it, how many pairs it holds across
processes, whether each pair meets the whole global batch's negatives, and on what device it runs.
Shared by ``align train`` and ``align distill``."""

from __future__ import annotations

import functools
from collections.abc import Callable

import datasets
import torch
from sentence_transformers.base.sampler import DefaultBatchSampler
from torch.utils.data import RandomSampler

from align.errors import AlignError
from align.training import distributed
from align.training.config import RunConfig
from align.training.sampler import (
    DeviceSlices,
    LanguageBalancedBatchSampler,
    LengthGroupedBatchSampler,
    UniqueTextsBatchSampler,
)


def gathers_negatives(config: RunConfig) -> bool:
    """Whether each pair meets the global batch's negatives: as asked, else whenever several
    processes train together."""
    asked = config.gather_negatives
    return distributed.world_size() > 1 if asked is None else asked and distributed.world_size() > 1


def check_device(config: RunConfig) -> None:
    """Refuse, before the trainer does it less clearly, a device or precision this machine lacks."""
    if config.device == "cuda" and not torch.cuda.is_available():
        raise AlignError("--device cuda: torch sees no GPU here (torch.cuda.is_available() is False)")
    if config.precision == "fp16" and (config.on_cpu or not torch.cuda.is_available()):
        raise AlignError("--precision fp16 needs a GPU (its loss scaling runs on CUDA); on a CPU use bf16")


def batch_description(config: RunConfig) -> str:
    """A distributed run's batch in words: "8 pairs a process × 2 processes = 16 pairs a step,
    each ranked against all 16" ("" for one process)."""
    world = distributed.world_size()
    if world == 1:
        return ""
    size = config.batch_size * world
    ranked = f"each ranked against all {size:,}" if gathers_negatives(config) else "negatives per process"
    return f"{config.batch_size:,} pairs a process × {world} processes = {size:,} pairs a step, {ranked}"


def batch_sampler(config: RunConfig, pairs: list[str] | None) -> Callable[..., object]:
    """Several language pairs: balanced by temperature (:class:`LanguageBalancedBatchSampler`);
    one: by length for transformers, else at random; never a text twice in a batch. With
    several processes, each takes its slice of the global batch (:class:`DeviceSlices`)."""
    sampler: Callable[..., object]
    if pairs is not None and len(set(pairs)) > 1:
        sampler = functools.partial(
            LanguageBalancedBatchSampler,
            pairs=pairs,
            alpha=config.sampling_alpha,
            single_pair_batches=config.pair_batches == "single",
            group_by_length=bool(config.group_by_length),
        )
    elif config.group_by_length:
        sampler = LengthGroupedBatchSampler
    elif config.no_duplicates:
        sampler = UniqueTextsBatchSampler
    else:
        sampler = random_batches
    world = distributed.world_size()
    return functools.partial(DeviceSlices, build=sampler, world=world) if world > 1 else sampler


def random_batches(dataset: datasets.Dataset, **options: object) -> DefaultBatchSampler:
    """sentence-transformers' plain batches: random pairs, repeats allowed."""
    return DefaultBatchSampler(RandomSampler(dataset, generator=options.get("generator")), **options)
