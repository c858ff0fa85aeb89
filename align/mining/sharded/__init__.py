"""Mining in shards, resumable, on one machine or a Ray cluster (``align mine --shard-size``).

The layers run one way: ``config`` ← ``workdir`` ← ``shards`` ← ``stages`` / ``selection`` ←
``engines`` ← ``search`` ← ``pipeline``; below them sit :mod:`align.mining.files` (the TSV, gold pairs),
:mod:`align.mining.margin`, :mod:`align.index` and :mod:`align.encode`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from align.lazy import lazy_exports

if TYPE_CHECKING:
    from align.mining.sharded.config import DEFAULT_SHARD_SIZE, ShardingConfig
    from align.mining.sharded.engines import LocalEngine, RayEngine, make_engine
    from align.mining.sharded.pipeline import ShardedMining
    from align.mining.sharded.search import Neighbourhoods, ShardedSearch


__getattr__, __all__ = lazy_exports(__name__, __file__)
