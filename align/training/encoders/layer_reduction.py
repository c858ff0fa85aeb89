"""A smaller transformer made from a larger one by keeping some of its layers.

This is how a transformer student starts (``align distill --student transformer``): a copy of the
teacher with fewer layers, so it begins close to the teacher's space and only has to learn to
reach it in fewer steps. DistilBERT (Sanh et al. 2019) kept every other layer; keeping layers
spread evenly over the stack, the last one always among them, generalises that to any count. The
last layer stays because it is the one whose output the pooling (and the teacher's embedding
space) is built on.
"""

from __future__ import annotations

import copy

from sentence_transformers import SentenceTransformer
from torch import nn

from align.errors import AlignError


def kept_layers(total: int, keep: int) -> list[int]:
    """Indices of ``keep`` of ``total`` layers, evenly spread, the first and last among them."""
    if not 1 <= keep <= total:
        raise AlignError(f"cannot keep {keep} of {total} layers: choose between 1 and {total}")
    if keep == 1:
        return [total - 1]
    return [round(index * (total - 1) / (keep - 1)) for index in range(keep)]


def layer_reduced_copy(model: SentenceTransformer, keep: int) -> SentenceTransformer:
    """A copy of ``model`` whose transformer keeps ``keep`` of its layers (:func:`kept_layers`).

    The copy's configuration says the new depth, so it saves and reloads as a plain
    sentence-transformers model. Its tokenizer, pooling, prompts and length limit are the model's.
    """
    reduced = copy.deepcopy(model)
    auto_model = getattr(reduced[0], "auto_model", None)
    config = getattr(auto_model, "config", None)
    total = getattr(config, "num_hidden_layers", None)
    if total is None:
        raise AlignError(f"{type(reduced[0]).__name__} is not a transformer with layers to keep")
    stacks = (module for module in auto_model.modules() if isinstance(module, nn.ModuleList))
    stack = next((module for module in stacks if len(module) == total), None)
    if stack is None:
        raise AlignError(f"could not find the {total} layers of {type(auto_model).__name__}")
    layers = [stack[index] for index in kept_layers(total, keep)]
    del stack[:]
    stack.extend(layers)
    config.num_hidden_layers = keep
    return reduced
