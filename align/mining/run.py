"""``align mine`` as one call: in memory, or in shards when the sharding settings ask for them.

Both ways take the same inputs and give the same report; this is where the choice is made, and
where the options that only one way has are refused by name, so a Python caller gets the command's
behaviour without the command.
"""

from __future__ import annotations

import os

from align.embedding.protocol import Embedder
from align.encode import Encoder
from align.errors import AlignError
from align.files import MAX_LINE_CHARS
from align.lid.config import LidConfig
from align.mining.config import MiningConfig
from align.mining.files import MiningReport, mine_files
from align.mining.sharded.config import ShardingConfig


def mine_text_files(
    model: Encoder | Embedder | str | None,
    source: str | os.PathLike,
    target: str | os.PathLike,
    output: str | os.PathLike,
    mining: MiningConfig | None = None,
    sharding: ShardingConfig | None = None,
    *,
    languages: LidConfig | None = None,
    gold: str | os.PathLike | None = None,
    unify: bool = False,
    line_numbers: bool = False,
    source_embeddings: str | os.PathLike | None = None,
    target_embeddings: str | os.PathLike | None = None,
    skip_bad_lines: bool = False,
    max_chars: int = MAX_LINE_CHARS,
    force: bool = False,
) -> MiningReport:
    """Mine ``source`` × ``target`` into the TSV ``output``: in memory
    (:func:`align.mining.files.mine_files`), or in shards (:class:`align.mining.sharded.ShardedMining`)
    when ``sharding`` names a shard size, a work directory or Ray; with ``languages``, mined pairs in
    another language are dropped either way."""
    sharding = sharding or ShardingConfig()
    if model is None and (source_embeddings is None or target_embeddings is None):
        raise AlignError("pass a model, or embeddings for both sides (source_embeddings, target_embeddings)")
    gold_path = str(gold) if gold else None
    reading = {"line_numbers": line_numbers, "skip_bad_lines": skip_bad_lines, "max_chars": max_chars}
    if not sharding.sharded:
        embeddings = {
            "source_embeddings": str(source_embeddings) if source_embeddings else None,
            "target_embeddings": str(target_embeddings) if target_embeddings else None,
        }
        return mine_files(
            model, str(source), str(target), output, mining, gold_path=gold_path, unify=unify, force=force,
            languages=languages, **embeddings, **reading,
        )  # fmt: skip
    if unify:
        raise AlignError("unify=True needs both files in memory; it cannot be used with sharded mining")
    if source_embeddings or target_embeddings or not isinstance(model, str | os.PathLike):
        raise AlignError(
            "sharded mining encodes its own shards, each worker loading the model: pass the model's name "
            "or path, not source_embeddings or target_embeddings"
        )
    from align.mining.sharded import ShardedMining

    options = {"gold": gold_path, "force": force, "languages": languages, **reading}
    return ShardedMining(
        str(model), str(source), str(target), str(output), mining or MiningConfig(), sharding, **options
    ).run()
