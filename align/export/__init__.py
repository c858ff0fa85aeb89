"""Export a model to another runtime's format: ONNX for transformer encoders (run by onnxruntime,
without torch), model2vec's format for static ones. :func:`export_model` is ``align export``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from align.lazy import lazy_exports

if TYPE_CHECKING:
    from align.export.model2vec import export_model2vec
    from align.export.onnx import export_onnx
    from align.export.result import ExportResult
    from align.export.run import FORMATS, export_model

__getattr__, __all__ = lazy_exports(__name__, __file__)
