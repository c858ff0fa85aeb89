"""``align export`` as one call: the format picks the exporter."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from align.errors import AlignError
from align.export.result import ExportResult
from align.settings import force_setting, setting

FORMATS = ("onnx", "model2vec")


@dataclass(frozen=True)
class ExportConfig:
    """What ``align export`` reads and writes: the arguments of :func:`export_model`."""

    model: str = setting(help="A model directory (or hub name) to export.", argument="MODEL")
    output: Path = setting(help="Directory to write the export to.", argument="OUTPUT")
    format: str = setting(
        help="onnx: a transformer encoder's graph for onnxruntime (torch-free), with an int8 copy; "
        "model2vec: a static model in model2vec's format.",
        flags=("--format",),
    )
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
