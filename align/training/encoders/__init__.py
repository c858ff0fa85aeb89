"""Encoders: static encoders trained from scratch, and their tokenizers."""

from align.training.encoders.static import build_static_encoder
from align.training.encoders.tokenizer import build_untrained_tokenizer, train_tokenizer

__all__ = ["build_static_encoder", "build_untrained_tokenizer", "train_tokenizer"]
