"""The translation ranking loss: InfoNCE over in-batch negatives, for pairs of translations.

For a batch of pairs (x_i, y_i) with cosine similarities s_ij = cos(x_i, y_j), the source→target
term is the cross-entropy of picking y_i among all y_j:

    L_x→y = -1/B Σ_i log( exp(τ⁻¹(s_ii − m)) / (exp(τ⁻¹(s_ii − m)) + Σ_{j≠i} exp(τ⁻¹ s_ij)) )

and the symmetric loss (the default) averages it with the target→source term L_y→x over the
transposed matrix, because bitext retrieval runs both ways. ``m`` is LaBSE's additive margin
(Yang et al. 2019): it makes the positive prove itself by ``m`` more, which spreads
non-translations further apart. ``scale`` = 1/τ.

With ``margin=0`` and ``symmetric=False`` this is exactly sentence-transformers'
``MultipleNegativesRankingLoss``; it exists as its own module because that one has no margin.

Under torch.distributed (``torchrun``, ``accelerate launch``), ``gather=True`` scores each rank's
pairs against every rank's batch (LaBSE's cross-accelerator negatives): the embeddings are gathered
with their gradients (:func:`align.training.distributed.gather_with_grad`, whose backward sums what
every rank's loss sends to each row), so the mean of the ranks' losses — what DDP's averaged
gradients descend — is the loss of one process holding the whole global batch, and so are its
gradients. Without it, N ranks solve N small contrastive problems.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import torch
import torch.distributed as dist
import torch.nn.functional as F
from sentence_transformers import SentenceTransformer
from sentence_transformers.base.losses.gradcache import CachedLossMixin, has_static_embedding_input
from torch import Tensor, nn

from align.training.distributed import gather_with_grad, world_size

# A hard negative this close to a pair's own target is a copy of it (the same text embeds the same,
# up to padding's rounding), so it is left out of that pair's candidates.
SAME_TEXT_COSINE = 1 - 1e-4


def translation_ranking_loss(
    source: Tensor,
    target: Tensor,
    *,
    scale: float,
    margin: float,
    symmetric: bool,
    gather: bool = False,
    negatives: Sequence[Tensor] = (),
) -> Tensor:
    """The loss on two (batch, dim) embedding matrices whose rows i are translations; with
    ``gather`` under torch.distributed, each row scored against every rank's rows (every rank must
    hold a batch of the same size). ``negatives``, (batch, dim) matrices of hard negative targets
    (row i: one of pair i's), join the candidates every source is ranked among, except where one
    is a copy of the source's own target (another pair's hard negative can be): the batch sampler
    keeps texts from repeating within a batch, but not the negatives, which would starve a small
    language pair of batches (weak models give many pairs the same few negatives)."""
    source, target = F.normalize(source, dim=-1), F.normalize(target, dim=-1)
    negatives = [F.normalize(rows, dim=-1) for rows in negatives]
    labels = torch.arange(len(source), device=source.device)
    if gather and world_size() > 1 and dist.is_initialized():
        labels = labels + dist.get_rank() * len(source)  # this rank's rows within the gathered batch
        all_sources = gather_with_grad(source)
        all_targets = gather_with_grad(target)
        negatives = [gather_with_grad(rows) for rows in negatives]
    else:
        all_sources, all_targets = source, target
    candidates = torch.cat([all_targets, *negatives]) if negatives else all_targets
    logits = _logits(source, candidates, labels, scale, margin)
    if negatives:  # another pair's hard negative may be this pair's own target: not a negative here
        copies = torch.zeros_like(logits, dtype=torch.bool)
        hard = candidates[len(all_targets) :].detach()
        copies[:, len(all_targets) :] = target.detach() @ hard.T >= SAME_TEXT_COSINE
        logits = logits.masked_fill(copies, float("-inf"))
    loss = F.cross_entropy(logits, labels)
    if symmetric:
        backward = F.cross_entropy(_logits(target, all_sources, labels, scale, margin), labels)
        loss = (loss + backward) / 2
    return loss


def _logits(queries: Tensor, candidates: Tensor, labels: Tensor, scale: float, margin: float) -> Tensor:
    """Scaled cosines of each query with every candidate, less ``margin`` at its translation."""
    similarities = queries @ candidates.T
    if margin:
        positives = torch.zeros_like(similarities)
        positives[torch.arange(len(queries), device=queries.device), labels] = margin
        similarities = similarities - positives
    return similarities * scale


class TranslationRankingLoss(nn.Module):
    """InfoNCE for (source, target) translation pairs, as a sentence-transformers loss."""

    def __init__(
        self,
        model: SentenceTransformer,
        scale: float = 20.0,
        margin: float = 0.0,
        symmetric: bool = True,
        gather: bool = False,
    ) -> None:
        super().__init__()
        if scale <= 0:
            raise ValueError(f"scale must be positive (it is 1/temperature), got {scale}")
        self.model = model
        self.scale = scale
        self.margin = margin
        self.symmetric = symmetric
        self.gather = gather  # negatives from every rank's batch under torch.distributed

    def forward(self, sentence_features: Iterable[dict[str, Tensor]], labels: Tensor | None = None) -> Tensor:
        features = list(sentence_features)
        if len(features) < 2:
            raise ValueError(f"expected (source, target, negative…) columns, got {len(features)}")
        source, target, *negatives = (self.model(column)["sentence_embedding"] for column in features)
        return self.ranking(source, target, negatives)

    def ranking(self, source: Tensor, target: Tensor, negatives: Sequence[Tensor] = ()) -> Tensor:
        """:func:`translation_ranking_loss` with this loss's settings."""
        return translation_ranking_loss(
            source, target, **self.ranking_settings(), gather=self.gather, negatives=negatives
        )

    def ranking_settings(self) -> dict[str, Any]:
        return {"scale": self.scale, "margin": self.margin, "symmetric": self.symmetric}

    def get_config_dict(self) -> dict[str, Any]:
        return self.ranking_settings() | {"gather": self.gather}

    @property
    def temperature(self) -> float:
        return 1.0 / self.scale


class CachedTranslationRankingLoss(CachedLossMixin, TranslationRankingLoss):
    """The same loss with gradient caching (Gao et al. 2021, GradCache).

    The batch is embedded in chunks of ``mini_batch_size`` without keeping activations, the loss
    over the whole batch gives gradients w.r.t. the embeddings, and each chunk is re-embedded
    with gradients. Memory then grows with ``mini_batch_size``, not the batch, so a transformer
    can see thousands of in-batch negatives on a CPU; it costs roughly one extra forward pass.
    """

    def __init__(
        self,
        model: SentenceTransformer,
        scale: float = 20.0,
        margin: float = 0.0,
        symmetric: bool = True,
        mini_batch_size: int = 32,
        gather: bool = False,
    ) -> None:
        if has_static_embedding_input(model):
            raise ValueError(
                "gradient caching needs a transformer encoder; a static encoder cannot be split "
                "into mini-batches, and needs no caching since it trains large batches directly"
            )
        super().__init__(model, scale=scale, margin=margin, symmetric=symmetric, gather=gather)
        self.mini_batch_size = mini_batch_size

    def forward(self, sentence_features: Iterable[dict[str, Tensor]], labels: Tensor | None = None) -> Tensor:
        return self.forward_cached(list(sentence_features), labels)

    def calculate_loss(
        self, reps: list[list[Tensor]], labels: Tensor | None = None, *, with_backward: bool = False
    ) -> Tensor:
        if len(reps) < 2:
            raise ValueError(f"expected (source, target, negative…) columns, got {len(reps)}")
        negatives = [torch.cat(column) for column in reps[2:]]
        loss = self.ranking(torch.cat(reps[0]), torch.cat(reps[1]), negatives)
        if with_backward:
            loss.backward()
            loss = loss.detach()
        return loss

    def get_config_dict(self) -> dict[str, Any]:
        return {**super().get_config_dict(), "mini_batch_size": self.mini_batch_size}


def distillation_loss(student_source: Tensor, student_target: Tensor, teacher_source: Tensor) -> Tensor:
    """Multilingual knowledge distillation (Reimers & Gurevych 2020): a sentence *and* its translation
    must both land on the teacher's embedding of the sentence.

    The distance is the squared Euclidean one summed over dimensions (MSE × dim), averaged over the
    batch and the two sides, so for unit vectors it is 2 − 2·cos and its size does not depend on the
    embedding dimension when it is weighed against the ranking loss.
    """
    to_source = (student_source - teacher_source).pow(2).sum(dim=-1).mean()
    to_target = (student_target - teacher_source).pow(2).sum(dim=-1).mean()
    return (to_source + to_target) / 2


class DistillationLoss(TranslationRankingLoss):
    """Distillation towards teacher embeddings (the ``label`` column), plus ``ranking_weight`` × the
    translation ranking loss between the student's own source and target embeddings.

    The ranking term keeps translations nearer to each other than to the rest of the batch even
    where the student cannot reach the teacher's exact points, which is what retrieval needs.
    """

    def __init__(
        self,
        model: SentenceTransformer,
        ranking_weight: float = 1.0,
        scale: float = 20.0,
        margin: float = 0.0,
        symmetric: bool = True,
        gather: bool = False,
    ) -> None:
        super().__init__(model, scale=scale, margin=margin, symmetric=symmetric, gather=gather)
        if ranking_weight < 0:
            raise ValueError(f"ranking_weight must be zero or positive, got {ranking_weight}")
        self.ranking_weight = ranking_weight

    def forward(self, sentence_features: Iterable[dict[str, Tensor]], labels: Tensor) -> Tensor:
        features = list(sentence_features)
        if len(features) != 2:
            raise ValueError(f"expected (source, target) columns, got {len(features)} columns")
        source, target = (self.model(side)["sentence_embedding"] for side in features)
        loss = distillation_loss(source, target, labels.to(source.dtype))
        if self.ranking_weight:
            loss = loss + self.ranking_weight * self.ranking(source, target)
        return loss

    def get_config_dict(self) -> dict[str, Any]:
        return {"ranking_weight": self.ranking_weight, **super().get_config_dict()}
