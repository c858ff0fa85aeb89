"""Two int8 copies of an exported graph, with onnxruntime's quantisers: one as accurate, one fast.

- ``weight_int8``: every MatMul's weights as int8, one scale per block of 128 (onnxruntime's
  ``MatMulNBits``), computed in float32, and the token table as int8 (dynamic quantisation of the
  Gather): a quarter of the float32 file, 0.8× its speed. Its vectors' mean cosine to float32's
  was 0.99994 on multilingual-e5-small, 0.9989 on all-MiniLM-L6-v2, whose token table has values
  one int8 scale for the whole table holds less well (onnxruntime quantises an 8-bit Gather per
  tensor only).
- ``dynamic_int8``: weights int8 with one scale per output channel, activations quantised as they
  come (``quantize_dynamic``), except the feed-forward down-projections, kept float32: their inputs
  hold the few very large activations that one scale per tensor cannot hold with the rest.
  About 1.5× as fast as float32, vectors within 0.999.

docs/embedding.md measures both, and the variants tried before them, on multilingual-e5-small.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Weights sharing a scale, and the arithmetic: on multilingual-e5-small (Tatoeba cmn, mean cosine to
# float32 / speed against float32), blocks of 128 in float32 gave 0.99994 / 0.79×; int8 arithmetic
# 0.99963 / 0.99× (all-MiniLM-L6-v2: 0.9966), with blocks of 32 0.99989 / 0.79×.
WEIGHT_BLOCK = 128
FLOAT_ARITHMETIC = 0  # MatMulNBits' accuracy_level: 0 computes in float32 (4 would use int8)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """onnxruntime's quantisers log hints (on pre-processing) to the root logger, and one of them
    configures it on import (``logging.basicConfig`` at INFO): both are undone on the way out."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    import onnxruntime.quantization.matmul_nbits_quantizer  # noqa: F401  (configures the root logger)

    root.handlers[:] = handlers
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers


def weight_int8(graph: Path, output: Path) -> None:
    """int8 weights, float activations: the accurate copy."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with _quiet(), tempfile.TemporaryDirectory(dir=output.parent) as tmp:
        from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer  # after _quiet

        matmuls = Path(tmp) / "matmuls.onnx"
        quantizer = MatMulNBitsQuantizer(
            onnx.load(str(graph)),
            bits=8,
            block_size=WEIGHT_BLOCK,
            is_symmetric=True,
            accuracy_level=FLOAT_ARITHMETIC,
        )
        quantizer.process()
        quantizer.model.save_model_to_file(str(matmuls), use_external_data_format=False)
        # MatMulNBits quantises no Gather at 8 bits: the token table goes through the dynamic quantiser
        quantize_dynamic(
            str(matmuls), str(output), weight_type=QuantType.QInt8, op_types_to_quantize=["Gather"]
        )


def dynamic_int8(graph: Path, output: Path) -> None:
    """int8 weights and activations, the down-projections in float32: the fast copy."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with _quiet():
        quantize_dynamic(
            str(graph),
            str(output),
            weight_type=QuantType.QInt8,
            per_channel=True,
            nodes_to_exclude=down_projections(onnx.load(str(graph))),
        )


def down_projections(model: object) -> list[str]:
    """The MatMul nodes whose weight maps more inputs to fewer outputs: a feed-forward layer's way
    back from its wide inner size to the model's width."""
    shapes = {weight.name: tuple(weight.dims) for weight in model.graph.initializer}
    return [
        node.name
        for node in model.graph.node
        if node.op_type == "MatMul"
        and len(shape := shapes.get(node.input[1], ())) == 2
        and shape[0] > shape[1]
    ]
