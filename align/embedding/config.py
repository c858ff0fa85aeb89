"""The settings of ``align embed`` and the precisions vectors are kept at, light to import (the
command line builds its options from them before NumPy loads)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from align.model_source import MODEL_HELP
from align.precision import Precision
from align.settings import batch_size_setting, force_setting, setting


def parse_devices(value: str | None) -> tuple[str, ...]:
    """``"cuda:0,cuda:1"`` → ``("cuda:0", "cuda:1")``."""
    return tuple(device.strip() for device in (value or "").split(",") if device.strip())


@dataclass(frozen=True)
class EmbedFiles:
    """What ``align embed`` reads and writes: the arguments of :func:`align.embedding.files.embed_file`."""

    input_path: Path = setting(help="UTF-8 text file, one sentence a line.", argument="INPUT", exists="file")
    output_path: Path = setting(help="Where to write the .npy matrix (row i = line i).", argument="OUTPUT")
    model: str = setting(help=MODEL_HELP)
    precision: str = setting(
        "float32",
        "float16 halves the file; int8 keeps round(127 × value) a dimension (1/4); binary each "
        "dimension's sign, 8 to a byte (1/32), as sentence-transformers' ubinary.",
        cli_type=Precision,
    )
    batch_size: int | None = batch_size_setting()
    force: bool = force_setting()
    devices: tuple[str, ...] = setting(
        (),
        "Encode on several devices at once, e.g. cuda:0,cuda:1 (a sentence-transformers model, one "
        "process a device; default: one).",
        cli_type=str | None,
        parse=parse_devices,
    )


@dataclass(frozen=True)
class NeighboursFiles:
    """What ``align neighbours`` looks up: the arguments of :func:`align.neighbours.file_neighbours`."""

    queries: Path = setting(help="Sentences to look up, one a line.", argument="QUERIES", exists="file")
    candidates: Path = setting(
        help="Sentences to search, one a line (any language).", argument="CANDIDATES", exists="file"
    )
    model: str = setting(help=MODEL_HELP)
    top_k: int = setting(1, "Neighbours to show per query.", flags=("--top-k", "-k"), min=1)
