"""``align export --format onnx``: a transformer encoder as an ONNX graph, plus two int8 copies.

The graph is written by torch's own exporter (``torch.onnx.export``) and quantised by onnxruntime's
quantisers (:mod:`align.export.quantize`): the tools that optimum, and so sentence-transformers'
ONNX backend, call underneath. optimum itself cannot be installed beside sentence-transformers 6
(optimum-onnx pins ``transformers<4.58``, sentence-transformers 6 needs ``transformers>=5``). The
output is the model's sentence-transformers directory with the graphs under ``onnx/``, the layout
that backend reads, so it still loads in plain ``SentenceTransformer(path)``;
:class:`align.embedding.onnx.OnnxEmbedder` runs any of the graphs without torch.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path

import numpy as np

from align.embedding.onnx import NORMALIZE, POOLING, TRANSFORMER, OnnxEmbedder
from align.errors import AlignError
from align.export.quantize import dynamic_int8, weight_int8
from align.export.result import ExportResult
from align.extras import require
from align.outputs import atomic_path, check_output

logger = logging.getLogger(__name__)

GRAPH = "onnx/model.onnx"
# The int8 copies: weights only (as accurate as float32, a quarter of its size) and dynamic (faster).
QUANTIZED_GRAPHS = {"onnx/model_int8_weights.onnx": weight_int8, "onnx/model_qint8.onnx": dynamic_int8}
REPORT = "onnx/export.json"
OPSET = 17
# Sentences both runtimes embed after the export, to measure how closely the graphs agree with torch.
PROBES = (
    "I love natural language processing.",
    "我热爱自然语言处理。",
    "Ich liebe die Verarbeitung natürlicher Sprache.",
    "J'adore le traitement automatique des langues.",
    "Я люблю обработку естественного языка.",
    "自然言語処理が大好きです。",
    "أحب معالجة اللغات الطبيعية.",
    "मुझे प्राकृतिक भाषा प्रसंस्करण पसंद है।",
    "The committee will meet again on Tuesday to discuss the budget for next year.",
    "x",
)


def export_onnx(
    model: str | os.PathLike, output: str | os.PathLike, *, quantize: bool = True, force: bool = False
) -> ExportResult:
    """Write ``model`` (a Transformer → Pooling → Normalize sentence-transformers model, by path or
    hub name) to the directory ``output`` with ``onnx/model.onnx`` and, with ``quantize``, its int8
    copies (:data:`QUANTIZED_GRAPHS`); each is checked against torch before the output is in place."""
    require("export", "exporting to ONNX")
    check_output(output, force=force, directory=True, inputs=[model] if Path(model).exists() else [])
    from align.embedding.sentence_transformer import SentenceTransformerEmbedder

    reference = SentenceTransformerEmbedder.load(model)
    kinds = [type(module).__name__ for module in reference.model]
    if kinds[:2] != [TRANSFORMER, POOLING] or any(kind != NORMALIZE for kind in kinds[2:]):
        raise AlignError(
            f"{model}: ONNX export takes Transformer → Pooling → Normalize models; this one has "
            f"{' → '.join(kinds)} (a static model exports with --format model2vec)"
        )
    expected = reference(list(PROBES))
    with atomic_path(output, kind="model") as tmp:
        reference.model.save(str(tmp))
        (tmp / "onnx").mkdir(exist_ok=True)
        _write_graph(reference.model, tmp / GRAPH)
        graphs = [GRAPH]
        for name, quantizer in QUANTIZED_GRAPHS.items() if quantize else ():
            quantizer(tmp / GRAPH, tmp / name)
            graphs.append(name)
        agreement = {name: _agreement(tmp / name, expected) for name in graphs}
        (tmp / REPORT).write_text(
            json.dumps({"opset": OPSET, "min_cosine_to_torch": agreement}, indent=1) + "\n", encoding="utf-8"
        )
    for name, cosine in agreement.items():
        logger.info("%s: smallest cosine to torch's vectors %.5f", name, cosine)
    return ExportResult(Path(output), "onnx", agreement, "smallest cosine to torch's vectors")


def _write_graph(model: object, path: Path) -> None:
    """Trace the transformer under ``model`` from token ids and mask to token vectors."""
    import torch

    class TokenVectors(torch.nn.Module):
        def __init__(self, transformer: torch.nn.Module) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.transformer(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    features = model.preprocess(["An example sentence to trace.", "Another, longer one, with padding."])
    dynamic = {
        name: {0: "batch", 1: "tokens"} for name in ("input_ids", "attention_mask", "token_embeddings")
    }
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the tracer's notes on Python control flow, expected here
        torch.onnx.export(
            TokenVectors(model[0].auto_model.eval()),
            (features["input_ids"], features["attention_mask"]),
            str(path),
            input_names=["input_ids", "attention_mask"],
            output_names=["token_embeddings"],
            dynamic_axes=dynamic,
            opset_version=OPSET,
            dynamo=False,
        )


def _agreement(graph: Path, expected: np.ndarray) -> float:
    vectors = OnnxEmbedder.load(graph)(list(PROBES))
    return float(np.min(np.einsum("ij,ij->i", vectors, expected)))
