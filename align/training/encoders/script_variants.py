"""Fold Traditional Chinese characters onto their Simplified forms in a static encoder.

Corpora and test sets mix the two scripts: on our data 5.7 % of the Han characters in Tatoeba's
Chinese side occur fewer than 3 times in the training corpus, but only 0.2 % once Traditional is
folded onto Simplified. Each script's vector would otherwise be learnt from a fraction of the data.

A tokenizer cannot map two strings to one id in a way that survives saving, so the folding works
in three steps that leave a plain ``StaticEmbedding``:

1. training text is folded to Simplified (:func:`fold_to_simplified`) before the tokenizer and
   the encoder see it, so every occurrence trains the Simplified vector;
2. the tokenizer's vocabulary also gets each Traditional character whose Simplified form it has
   (:func:`add_traditional_tokens`), so the embedding table has rows for them from the start;
3. after training those rows are copied from their Simplified twins (:func:`tie_traditional_rows`),
   so Traditional input at inference time lands on the same vectors.

The character table is OpenCC's (``TSCharacters.txt``), as shipped by ``opencc-python-reimplemented``.
"""

from __future__ import annotations

import functools
from importlib import resources

import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.modules import StaticEmbedding
from tokenizers import Tokenizer
from tokenizers.models import WordPiece

from align.training.encoders.tokenizer import with_vocabulary


@functools.cache
def traditional_to_simplified() -> dict[str, str]:
    """Single-character Traditional → Simplified pairs (the first reading where OpenCC lists several)."""
    table = resources.files("opencc").joinpath("dictionary", "TSCharacters.txt").read_text(encoding="utf-8")
    pairs = {}
    for line in table.splitlines():
        traditional, _, simplified = line.partition("\t")
        simplified = simplified.split(" ")[0]
        if len(traditional) == 1 and len(simplified) == 1 and traditional != simplified:
            pairs[traditional] = simplified
    return pairs


@functools.cache
def _translation_table() -> dict[int, str]:
    return {ord(traditional): simplified for traditional, simplified in traditional_to_simplified().items()}


def fold_to_simplified(text: str) -> str:
    """Replace every Traditional character that has a one-character Simplified form."""
    return text.translate(_translation_table())


def add_traditional_tokens(tokenizer: Tokenizer) -> Tokenizer:
    """A copy of a WordPiece ``tokenizer`` whose vocabulary also holds the Traditional twins of its
    Simplified characters, each with an id of its own (tied later by :func:`tie_traditional_rows`)."""
    if not isinstance(tokenizer.model, WordPiece):
        raise TypeError(f"expected a WordPiece tokenizer, got {type(tokenizer.model).__name__}")
    vocab = tokenizer.get_vocab()
    next_id = max(vocab.values()) + 1
    for traditional, simplified in sorted(traditional_to_simplified().items()):
        if simplified in vocab and traditional not in vocab:
            vocab[traditional] = next_id
            next_id += 1
    return with_vocabulary(tokenizer, vocab)


def tie_traditional_rows(model: SentenceTransformer) -> int:
    """Copy each Simplified character's vector onto its Traditional twin; return how many were tied."""
    embedding = model[0]
    if not isinstance(embedding, StaticEmbedding):
        raise TypeError("only static encoders have per-character vectors to tie")
    vocab = embedding.tokenizer.get_vocab()
    pairs = [
        (vocab[t], vocab[s]) for t, s in traditional_to_simplified().items() if t in vocab and s in vocab
    ]
    if pairs:
        targets, sources = (torch.tensor(ids) for ids in zip(*pairs, strict=True))
        with torch.no_grad():
            embedding.embedding.weight[targets] = embedding.embedding.weight[sources]
    return len(pairs)
