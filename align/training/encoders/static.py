"""Static encoders: one trained vector per token, mean-pooled, trained from scratch in minutes on a CPU.

The model is plain sentence-transformers (``StaticEmbedding`` then ``Normalize``), so a saved
encoder loads with ``SentenceTransformer(path)`` and needs nothing from align.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.modules import Normalize, StaticEmbedding

from align.training.encoders.script_variants import add_traditional_tokens, fold_to_simplified
from align.training.encoders.tokenizer import train_tokenizer


def build_static_encoder(
    texts: Iterable[str],
    *,
    embedding_dim: int = 512,
    vocab_size: int = 50_000,
    lowercase: bool = True,
    fold_traditional: bool = True,
    seed: int = 0,
) -> SentenceTransformer:
    """A randomly initialised static encoder whose tokenizer is trained on ``texts``.

    With ``fold_traditional`` the vocabulary is learnt on Simplified text and also holds the
    Traditional twins of its characters; train on folded text, then tie the twins' vectors
    (see :mod:`align.training.encoders.script_variants`).
    """
    torch.manual_seed(seed)
    if fold_traditional:
        texts = (fold_to_simplified(text) for text in texts)
    tokenizer = train_tokenizer(texts, vocab_size=vocab_size, lowercase=lowercase)
    if fold_traditional:
        tokenizer = add_traditional_tokens(tokenizer)
    embedding = StaticEmbedding(tokenizer, embedding_dim=embedding_dim)
    return SentenceTransformer(modules=[embedding, Normalize()], device="cpu")
