"""``align export`` as one call: the format picks the exporter."""

from __future__ import annotations

import os

from align.errors import AlignError
from align.export.result import ExportResult

FORMATS = ("onnx", "model2vec")


def export_model(
    model: str | os.PathLike,
    output: str | os.PathLike,
    format: str,
    *,
    quantize: bool = True,
    force: bool = False,
) -> ExportResult:
    """Export ``model`` to ``output`` in ``format``: ``onnx`` for a transformer encoder (with an
    int8 copy unless ``quantize`` is off), ``model2vec`` for a static model."""
    if format == "onnx":
        from align.export.onnx import export_onnx

        return export_onnx(model, output, quantize=quantize, force=force)
    if format == "model2vec":
        from align.export.model2vec import export_model2vec

        return export_model2vec(model, output, force=force)
    raise AlignError(f"format: expected one of {', '.join(FORMATS)}, got {format!r}")
