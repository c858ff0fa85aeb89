"""One training run in several processes: ``torchrun --nproc-per-node N`` or ``accelerate launch``
start N copies of ``align train``, one a device, and this module says which copy does what.

Every process reads and cleans the corpus itself (into files of its own in the run's work
directory, so none reads a file another is writing) and trains on its slice of each global batch
(:class:`align.training.sampler.DeviceSlices`); the first (rank 0) alone prepares the work
directory, builds the initial model the others load, writes checkpoints, and saves the model with
its card and record. sentence-transformers' trainer (through accelerate) runs the processes' DDP;
this module only starts their process group early, so that they can wait for one another before
the trainer exists.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator

import torch
import torch.distributed as dist

logger = logging.getLogger(__name__)


def world_size() -> int:
    """How many processes train together: torchrun's and accelerate's ``WORLD_SIZE`` (1 alone)."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size()
    return int(os.environ.get("WORLD_SIZE", "1"))


def rank() -> int:
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank()
    return int(os.environ.get("RANK", "0"))


def is_main() -> bool:
    """Whether this process writes the run's files (rank 0, or the only process)."""
    return rank() == 0


def start(*, cpu: bool) -> None:
    """Join the launcher's process group (gloo on the CPU, NCCL on GPUs) when there is one, and
    quiet the other processes' logs: their lines would repeat the first's."""
    if world_size() == 1 or dist.is_initialized():
        return
    backend = "nccl" if not cpu and torch.cuda.is_available() else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group(backend=backend)
    if not is_main():
        logging.getLogger("align").setLevel(logging.WARNING)
    logger.info("Training in %d processes (%s)", world_size(), backend)


def barrier() -> None:
    if world_size() > 1 and dist.is_initialized():
        dist.barrier()


@contextlib.contextmanager
def main_first() -> Iterator[None]:
    """Run the block in the first process, then in the others: what it writes (a work directory,
    an initial model) is there when they read it."""
    if not is_main():
        barrier()
    yield
    if is_main():
        barrier()


def rank_suffix() -> str:
    """Added to the names of the files each process writes for itself ("" for the first)."""
    return "" if is_main() else f".rank{rank()}"


def gather_with_grad(tensor: torch.Tensor) -> torch.Tensor:
    """Every process's ``tensor`` (the same shape in each), stacked in rank order, differentiable:
    the gradient a process's loss sends to any row reaches the process that made the row."""
    return _GatherWithGrad.apply(tensor)


class _GatherWithGrad(torch.autograd.Function):
    """An all-gather whose backward sums, over the processes, the gradient of each row and hands
    each process its own rows' share. (torch.distributed.nn.all_gather does this and is
    deprecated; its successor lives in a private module.)"""

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, tensor: torch.Tensor) -> torch.Tensor:
        gathered = tensor.new_empty((dist.get_world_size() * tensor.shape[0], *tensor.shape[1:]))
        dist.all_gather_into_tensor(gathered, tensor.contiguous())
        ctx.rows = tensor.shape[0]  # type: ignore[attr-defined]
        return gathered

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, gradient: torch.Tensor) -> torch.Tensor:
        summed = gradient.contiguous().clone()
        dist.all_reduce(summed)  # each process's loss sends gradient to every process's rows
        start = dist.get_rank() * ctx.rows  # type: ignore[attr-defined]
        return summed[start : start + ctx.rows]  # type: ignore[attr-defined]
