"""How a sharded mining run is cut up and where it runs: the settings beside :class:`MiningConfig`.

Light to import (no NumPy, FAISS or Ray), so ``align mine`` builds its options from it at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from align.errors import AlignError
from align.settings import setting

EngineName = Literal["local", "ray"]
ENGINES: tuple[str, ...] = get_args(EngineName)
EmbeddingDtype = Literal["float32", "float16"]
DTYPES: tuple[str, ...] = get_args(EmbeddingDtype)
DEFAULT_SHARD_SIZE = 250_000


@dataclass(frozen=True)
class ShardingConfig:
    """Where the shards of a run go and which engine runs its stages.

    ``align mine`` mines in shards when any of ``shard_size``, ``work_dir`` or ``engine="ray"`` is
    given; otherwise it keeps both collections in memory in one process, the fastest way for
    inputs that fit.
    """

    engine: EngineName = setting(
        "local",
        "local: the stages run in this process; ray: as Ray tasks, on a local cluster started here "
        "or on --ray-address (pip install 'align[ray]').",
    )
    shard_size: int | None = setting(
        None,
        f"Lines per shard: mine in shards under --work-dir, holding one shard's texts and vectors at "
        f"a time, resumable (default {DEFAULT_SHARD_SIZE:,} when sharding).",
        min=1,
    )
    work_dir: str | None = setting(
        None,
        "Where the shards, indexes and neighbours go; re-running the same command reuses every "
        "finished shard (default: OUTPUT.work, removed when the run succeeds).",
    )
    ray_address: str | None = setting(
        None, "Ray cluster to join: auto, or ray://HOST:PORT (default: start a local one)."
    )
    workers: int | None = setting(
        None,
        "Ray tasks at once, each with an equal share of the cluster's CPUs (default: one per node).",
        min=1,
    )
    gpus_per_worker: float = setting(0.0, "GPUs each embedding task asks Ray for (0: encode on CPU).", min=0)
    embedding_dtype: EmbeddingDtype = setting(
        "float32", "float32, or float16 to halve the shard files (cosines move by about 1e-3)."
    )

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise AlignError(f"unknown engine {self.engine!r}; choose one of {', '.join(ENGINES)}")
        if self.embedding_dtype not in DTYPES:
            raise AlignError(
                f"unknown embedding dtype {self.embedding_dtype!r}; choose {' or '.join(DTYPES)}"
            )
        if self.shard_size is not None and self.shard_size < 1:
            raise AlignError(f"shard size must be at least 1, got {self.shard_size}")
        if self.workers is not None and self.workers < 1:
            raise AlignError(f"workers must be at least 1, got {self.workers}")
        if self.ray_address is not None and self.engine != "ray":
            raise AlignError("--ray-address needs --engine ray")

    @property
    def sharded(self) -> bool:
        """Whether these settings ask for the sharded pipeline rather than in-memory mining."""
        return self.engine == "ray" or self.shard_size is not None or self.work_dir is not None

    @property
    def lines_per_shard(self) -> int:
        return self.shard_size or DEFAULT_SHARD_SIZE
