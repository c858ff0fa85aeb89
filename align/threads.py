"""How many threads align's libraries use: torch, FAISS, the tokenizers and BLAS, set in one place.

Each of those libraries starts one thread per core. On a machine that other jobs share, that
oversubscribes the cores, and OpenMP threads that spin while they wait for each other make it far
worse: ``align train --pairs en-zh`` on 55k pairs took 848 s with the libraries' defaults beside
another job, and 258 s with one thread. :func:`set_threads` limits them all; by default to the
cores that other processes leave idle (the cores this process may use, less the processes running
on them now), so an idle machine is used whole and a busy one is not fought over.

The count reaches the libraries through the environment variables they read when they start
(``OMP_NUM_THREADS`` and friends), and through their own setters for those already imported.
"""

from __future__ import annotations

import logging
import os
import sys
import time

from align.errors import AlignError

logger = logging.getLogger(__name__)

THREADS_ENV = "ALIGN_THREADS"
# Read by OpenMP (torch, FAISS), MKL and OpenBLAS (NumPy), and Rayon (the Rust tokenizers) at start-up.
THREADS_HELP = (
    "Threads for torch, FAISS and the tokenizers: a number, or auto (the cores other processes leave "
    "idle). Default: auto, or OMP_NUM_THREADS where set. Lower it when other jobs share the machine."
)
LIBRARY_ENVS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "RAYON_NUM_THREADS")


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, which containers and ``taskset`` set)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def running_elsewhere(samples: int = 5, interval: float = 0.005) -> int:
    """Processes and threads running on the machine now, besides this one: the median of a few
    readings of the kernel's count of runnable tasks (Linux; 0 elsewhere).

    Unlike the load average, which takes minutes to rise and fall, this sees a job that started a
    second ago, and not one that ended then (such as the previous run of the same command).
    """
    readings = []
    for number in range(samples):
        try:
            with open("/proc/loadavg", encoding="ascii") as handle:
                runnable = int(handle.read().split()[3].split("/")[0])
        except (OSError, IndexError, ValueError):
            return 0
        readings.append(runnable - 1)  # the reading process itself is runnable
        if number < samples - 1:
            time.sleep(interval)
    return max(0, sorted(readings)[len(readings) // 2])


def idle_cores() -> int:
    """The available cores less the tasks running elsewhere: at least one."""
    return max(1, available_cores() - running_elsewhere())


def parse_threads(value: str | int) -> int:
    """A thread count from an option or ``ALIGN_THREADS``: a positive integer, or ``auto``."""
    if isinstance(value, str) and value.strip().lower() == "auto":
        return idle_cores()
    try:
        count = int(value)
    except ValueError:
        raise AlignError(f"threads: expected a positive number or 'auto', got {value!r}") from None
    if count < 1:
        raise AlignError(f"threads: expected a positive number or 'auto', got {count}")
    return count


def set_threads(count: int | str | None = None) -> int:
    """Limit torch, FAISS, the tokenizers and BLAS to ``count`` threads; return the count.

    ``None`` takes ``ALIGN_THREADS``, else leaves alone a limit the user set through
    ``OMP_NUM_THREADS``, else uses :func:`idle_cores`. Call it before the libraries load (the
    command line does, first thing) for the environment to reach all of them.
    """
    if count is None:
        count = os.environ.get(THREADS_ENV) or os.environ.get("OMP_NUM_THREADS") or "auto"
    threads = parse_threads(count)
    for name in LIBRARY_ENVS:
        os.environ[name] = str(threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    if "faiss" in sys.modules:
        sys.modules["faiss"].omp_set_num_threads(threads)
    logger.info("using %d threads (of %d cores)", threads, available_cores())
    return threads
