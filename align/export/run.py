"""``align export`` as one call: the format picks the exporter; ``to`` copies a store elsewhere."""

from __future__ import annotations

import os
from dataclasses import dataclass

from align.errors import AlignError
from align.export.result import ExportResult
from align.settings import force_setting, setting

FORMATS = ("onnx", "model2vec")
DESTINATIONS = ("qdrant",)


@dataclass(frozen=True)
class ExportConfig:
    """What ``align export`` reads and writes: the arguments of :func:`export_model`."""

    model: str = setting(
        help="A model directory (or hub name) to export; with --to, a store made by align index.",
        argument="MODEL",
    )
    output: str = setting(
        help="Directory to write the export to; with --to qdrant, a Qdrant server's URL "
        "(http://HOST:6333) or a directory for Qdrant's local mode.",
        argument="OUTPUT",
    )
    format: str | None = setting(
        None,
        "onnx: a transformer encoder's graph for onnxruntime (torch-free), with an int8 copy; "
        "model2vec: a static model in model2vec's format.",
        flags=("--format",),
    )
    to: str | None = setting(
        None,
        "qdrant: copy the store MODEL, vectors and all, into a Qdrant collection at OUTPUT "
        "(align.store.qdrant.QdrantStore then searches it with the same API).",
        flags=("--to",),
    )
    collection: str = setting("documents", "The Qdrant collection to copy into (with --to qdrant).")
    quantize: bool = setting(
        True,
        "Also write two int8 copies: onnx/model_int8_weights.onnx (int8 weights: 1/4 the size, close "
        "to float32's vectors, 0.8× its speed) and onnx/model_qint8.onnx (int8 weights and "
        "activations: about 1.5× as fast, less close); docs/embedding.md measures both.",
        flags=("--quantize/--no-quantize",),
    )
    force: bool = force_setting()


def export_model(
    model: str | os.PathLike,
    output: str | os.PathLike,
    format: str | None = None,
    *,
    to: str | None = None,
    collection: str = "documents",
    quantize: bool = True,
    force: bool = False,
) -> ExportResult | str:
    """Export ``model`` to ``output`` in ``format``: ``onnx`` for a transformer encoder (with an
    int8 copy unless ``quantize`` is off), ``model2vec`` for a static model. With ``to="qdrant"``,
    ``model`` is a store, copied into ``collection`` at ``output`` (a URL or a local-mode directory);
    what was done is then said in a line."""
    if (format is None) == (to is None):
        raise AlignError("export: give --format to export a model, or --to to copy a store, not both")
    if to is not None:
        if to not in DESTINATIONS:
            raise AlignError(f"to: expected one of {', '.join(DESTINATIONS)}, got {to!r}")
        from align.store.qdrant import copy_to_qdrant

        return copy_to_qdrant(model, output, collection, force=force)
    if format == "onnx":
        from align.export.onnx import export_onnx

        return export_onnx(model, output, quantize=quantize, force=force)
    if format == "model2vec":
        from align.export.model2vec import export_model2vec

        return export_model2vec(model, output, force=force)
    raise AlignError(f"format: expected one of {', '.join(FORMATS)}, got {format!r}")
