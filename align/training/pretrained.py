"""Getting a pretrained transformer ready to fine-tune on a CPU.

Two things make fine-tuning practical on a few cores:

* Freezing the word-embedding matrix. In multilingual-e5-small it is 96M of the 118M parameters;
  AdamW's update of it dominates each step, and translation pairs teach it little that the layers
  above cannot learn.
* Training with the model's own prompt. e5 models expect ``query: `` in front of the text; a model
  trained with one prompt and used with another loses accuracy. The chosen prompt becomes the
  saved model's default, so plain ``SentenceTransformer(path).encode`` applies it too.
"""

from __future__ import annotations

import torch
from sentence_transformers import SentenceTransformer

from align.errors import AlignError

# Bitext retrieval is symmetric: both sides are "queries" for models with asymmetric prompts.
SYMMETRIC_PROMPT = "query"


def word_embeddings(model: SentenceTransformer) -> torch.nn.Module:
    """The input word-embedding layer of the model's transformer."""
    first = model[0]
    auto_model = getattr(first, "auto_model", None)
    if auto_model is None or not hasattr(auto_model, "get_input_embeddings"):
        raise AlignError(f"{type(first).__name__} has no word-embedding matrix to freeze")
    return auto_model.get_input_embeddings()


def freeze_word_embeddings(model: SentenceTransformer) -> int:
    """Stop gradients to the word-embedding matrix; return how many parameters that freezes."""
    embeddings = word_embeddings(model)
    frozen = 0
    for parameter in embeddings.parameters():
        parameter.requires_grad_(False)
        frozen += parameter.numel()
    return frozen


def choose_prompt(model: SentenceTransformer, requested: str | None) -> str | None:
    """The name of the prompt to train and encode with, or ``None`` for no prompt.

    ``requested`` is a prompt name; ``""`` means none. Left as ``None``: the model's default
    prompt, else its ``query`` prompt if it has one.
    """
    if requested == "":
        return None
    if requested is not None:
        if requested not in model.prompts:
            known = ", ".join(sorted(model.prompts)) or "none"
            raise AlignError(f"--prompt {requested!r}: the model's prompts are: {known}")
        return requested
    if model.default_prompt_name:
        return model.default_prompt_name
    return SYMMETRIC_PROMPT if model.prompts.get(SYMMETRIC_PROMPT) else None
