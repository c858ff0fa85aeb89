"""Engines run a stage's tasks: here, one after another, or as Ray tasks on a cluster.

An engine has one method, ``map(function, tasks, ...)``: run ``function(task)`` for each task and
return the results in order. The stage code (:mod:`~align.mining.sharded.stages`) is the same
whichever runs it.

Ray tasks (not actors) are used on purpose: a task that dies with its worker is run again by Ray
(``max_retries``), and each worker process keeps the model and index it loaded for the next task,
so nothing holds a CPU between stages. That avoids the hang of actor pools that take every CPU on
a small machine (ray#44687), and needs nothing from Ray but ``ray.remote``, ``ray.wait`` and
``ray.get``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from tqdm.auto import tqdm

from align.errors import AlignError
from align.mining.sharded.config import ShardingConfig

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

RAY_RETRIES = 3  # a task whose worker dies is run again, up to this many times
RAY_INSTALL = "--engine ray needs Ray: pip install 'align[ray]'"


class Engine(Protocol):
    def map(
        self, function: Callable[[T], R], tasks: Sequence[T], *, description: str, gpus: float = 0
    ) -> list[R]: ...

    def close(self) -> None: ...


class LocalEngine:
    """Runs each task in this process, in order, with a progress bar."""

    def map(
        self, function: Callable[[T], R], tasks: Sequence[T], *, description: str, gpus: float = 0
    ) -> list[R]:
        results = []
        for task in tqdm(tasks, desc=description, unit=" shards", disable=len(tasks) < 2):
            results.append(function(task))
            logger.debug("%s: finished %s", description, task)
        return results

    def close(self) -> None:
        pass


class RayEngine:
    """Runs tasks on a Ray cluster: ``address`` (``auto``, ``ray://host:port``) or a local one
    started here with all of this machine's CPUs.

    ``workers`` tasks run at once (default: one per node), each asking Ray for an equal share of
    the cluster's CPUs and using that many threads. Ray itself would give a one-CPU task one
    thread (``OMP_NUM_THREADS=1``): on a 2-core machine one worker would then run at half speed.
    An embedding task asks for ``gpus`` GPUs as well.
    """

    def __init__(self, address: str | None = None, workers: int | None = None) -> None:
        try:
            import ray
        except ImportError:
            raise AlignError(RAY_INSTALL) from None
        self.ray = ray
        self.started = not ray.is_initialized()
        if self.started:
            options: dict[str, Any] = {"address": address, "log_to_driver": False}
            if address is None:
                options["num_cpus"] = os.cpu_count() or 1
                options["include_dashboard"] = False
            ray.init(**options)
        self.workers, self.threads = task_shape(ray.nodes(), workers)
        logger.info("Ray: %d workers of %d CPUs each", self.workers, self.threads)

    def map(
        self, function: Callable[[T], R], tasks: Sequence[T], *, description: str, gpus: float = 0
    ) -> list[R]:
        remote = self.ray.remote(num_cpus=self.threads, num_gpus=gpus, max_retries=RAY_RETRIES)(_call)
        pending = {
            remote.remote(function, task, self.threads): position for position, task in enumerate(tasks)
        }
        results: list[Any] = [None] * len(tasks)
        with tqdm(total=len(tasks), desc=description, unit=" shards", disable=len(tasks) < 2) as bar:
            while pending:
                done, _ = self.ray.wait(list(pending), num_returns=1)
                for reference in done:
                    position = pending.pop(reference)
                    results[position] = self._result(reference)
                    logger.debug("%s: finished %s", description, tasks[position])
                    bar.update()
        return results

    def _result(self, reference: Any) -> Any:
        """A task's result; an align error raised in the task is raised here as itself."""
        try:
            return self.ray.get(reference)
        except self.ray.exceptions.RayTaskError as error:
            if isinstance(error.cause, AlignError):
                raise error.cause from None
            raise

    def close(self) -> None:
        if self.started:
            self.ray.shutdown()


def task_shape(nodes: list[dict[str, Any]], workers: int | None) -> tuple[int, int]:
    """(parallel tasks, CPUs each) for a cluster of ``nodes`` (as ``ray.nodes()`` lists them).

    Each task gets an equal share of the cluster's CPUs, but never more than the smallest node
    has, or it could never be scheduled.
    """
    cpus = [int(node["Resources"].get("CPU", 0)) for node in nodes if node.get("Alive")]
    cpus = [count for count in cpus if count > 0] or [1]
    workers = workers or len(cpus)
    return workers, max(1, min(sum(cpus) // workers, min(cpus)))


def _call(function: Callable[[T], R], task: T, threads: int) -> R:
    """What a Ray task runs: ``function`` travels as an argument, so any picklable callable
    (a ``functools.partial`` too) can be a stage. Torch and FAISS use the task's ``threads``."""
    import faiss
    import torch

    torch.set_num_threads(threads)
    faiss.omp_set_num_threads(threads)
    return function(task)


def make_engine(config: ShardingConfig) -> Engine:
    if config.engine == "ray":
        return RayEngine(config.ray_address, config.workers)
    return LocalEngine()
