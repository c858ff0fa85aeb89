"""The settings of ``align docalign``, declared once, light to import."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from align.errors import AlignError
from align.model_source import MODEL_HELP
from align.settings import batch_size_setting, force_setting, setting

DocumentEmbedding = Literal["pert", "mean"]
DOCUMENT_EMBEDDINGS: tuple[str, ...] = get_args(DocumentEmbedding)


@dataclass(frozen=True)
class DocalignConfig:
    """How a document becomes one vector (:mod:`align.docalign.embedding`) and which pairs are kept.

    Candidates are then found and scored as ``align mine`` finds sentence pairs (k-NN both ways,
    margin, each document used once), with a :class:`~align.mining.MiningConfig` beside this one.
    """

    embedding: DocumentEmbedding = setting(
        "pert",
        "pert: sentence embeddings summed in overlapping windows over the document's length, so "
        "order counts (Thompson & Koehn 2020); mean: their weighted mean (order ignored).",
    )
    windows: int = setting(
        8, "pert: windows over the document's length (its vector has this many parts).", min=1
    )
    peakedness: float = setting(
        20.0, "pert: how narrow each window is (the PERT distribution's shape; 0: flat).", min=0
    )
    downweight: bool = setting(
        True,
        "Weigh each sentence by how rare it is across its collection (log inverse document "
        "frequency), so boilerplate shared by many documents counts little.",
        flags=("--downweight/--no-downweight",),
    )

    def __post_init__(self) -> None:
        if self.embedding not in DOCUMENT_EMBEDDINGS:
            raise AlignError(
                f"unknown document embedding {self.embedding!r}; "
                f"choose one of {', '.join(DOCUMENT_EMBEDDINGS)}"
            )
        if self.windows < 1 or self.peakedness < 0:
            raise AlignError("--windows must be at least 1 and --peakedness at least 0")


@dataclass(frozen=True)
class DocalignFiles:
    """What ``align docalign`` reads and writes, and the model it embeds with: the keyword arguments
    of :func:`align.docalign.pipeline.align_collections` besides its configs."""

    source: Path = setting(
        help="Source documents: a directory (one document a file), or JSONL of id/text.",
        flags=("--src",),
        exists="path",
    )
    target: Path = setting(help="Target documents, the same way.", flags=("--tgt",), exists="path")
    output: Path = setting(
        help="TSV to write: score, source document, target document.", flags=("--output", "-o")
    )
    model: str = setting(help=MODEL_HELP)
    sentalign: Path | None = setting(
        None, "Also align the sentences of each pair found, one TSV a pair in this directory."
    )
    batch_size: int | None = batch_size_setting()
    force: bool = force_setting()
