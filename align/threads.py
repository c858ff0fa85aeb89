"""How many threads align's libraries use: torch, FAISS, the tokenizers and BLAS, set in one place.

Each of those libraries starts one thread per core. On a machine that other jobs share, that
oversubscribes the cores, and OpenMP threads that spin while they wait for each other make it far
worse: ``align train --pairs en-zh`` on 55k pairs took 848 s with the libraries' defaults beside
another job, and 258 s with one thread. :func:`set_threads` limits them all; by default to the
cores that other processes leave idle (the cores this process may use, less the load average), so
an idle machine is used whole and a busy one is not fought over.

The count reaches the libraries through the environment variables they read when they start
(``OMP_NUM_THREADS`` and friends), and through their own setters for those already imported.
"""

from __future__ import annotations

import logging
import os
import sys

from align.errors import AlignError

logger = logging.getLogger(__name__)

THREADS_ENV = "ALIGN_THREADS"
# Read by OpenMP (torch, FAISS), MKL and OpenBLAS (NumPy), and Rayon (the Rust tokenizers) at start-up.
LIBRARY_ENVS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "RAYON_NUM_THREADS")


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, which containers and ``taskset`` set)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def idle_cores() -> int:
    """The available cores less the one-minute load average of the machine: at least one."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        load = 0.0
    return max(1, min(available_cores(), round(available_cores() - load)))


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
