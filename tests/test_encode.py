"""Encoding: batch sizes that suit the model, same embeddings whatever the batch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sentence_transformers import SentenceTransformer

from align.encode import STATIC_BATCH_SIZE, TRANSFORMER_BATCH_SIZE, default_batch_size, encode_texts
from tests.conftest import COMPOSED


def test_static_encoders_encode_in_large_batches_with_the_same_result(tiny_model: Path) -> None:
    model = SentenceTransformer(str(tiny_model), device="cpu")
    assert default_batch_size(model) == STATIC_BATCH_SIZE
    texts = [en for en, _ in COMPOSED]
    np.testing.assert_allclose(
        encode_texts(model, texts), encode_texts(model, texts, batch_size=7), atol=1e-6
    )


def test_transformers_keep_moderate_batches(minilm_path: str) -> None:
    assert default_batch_size(SentenceTransformer(minilm_path, device="cpu")) == TRANSFORMER_BATCH_SIZE


def test_model_digest_tells_apart_static_encoders_that_differ_only_in_tokens_the_probe_lacks() -> None:
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding

    from align.encode import model_digest, model_fingerprint
    from align.training.encoders.tokenizer import train_tokenizer

    tokenizer = train_tokenizer(["I love natural language processing.", "zebra"] * 3, vocab_size=100)
    one = SentenceTransformer(modules=[StaticEmbedding(tokenizer, embedding_dim=4)], device="cpu")
    other = SentenceTransformer(modules=[StaticEmbedding(tokenizer, embedding_dim=4)], device="cpu")
    other[0].embedding.weight.data.copy_(one[0].embedding.weight.data)
    with torch.no_grad():
        other[0].embedding.weight[tokenizer.token_to_id("zebra")] += 1.0  # a row the probe never reads
    assert model_fingerprint(one) == model_fingerprint(other)
    assert model_digest(one) != model_digest(other)
    assert model_digest(one) == model_digest(one)
