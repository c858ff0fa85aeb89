"""The translation ranking loss against values computed by hand."""

from __future__ import annotations

import math

import pytest
import torch

from align.training.losses import translation_ranking_loss

# Unit vectors, so cosine similarities are easy to write down:
# cos(s0, t0) = 1, cos(s0, t1) = 0, cos(s1, t0) = 0.6, cos(s1, t1) = 0.8.
SOURCE = torch.tensor([[1.0, 0.0], [0.6, 0.8]])
TARGET = torch.tensor([[1.0, 0.0], [0.0, 1.0]])


def cross_entropy(logits: list[float], right: int) -> float:
    return -logits[right] + math.log(sum(math.exp(x) for x in logits))


@pytest.mark.parametrize("scale", [1.0, 20.0])
def test_one_way_loss(scale: float) -> None:
    expected = (
        cross_entropy([scale * 1.0, scale * 0.0], 0) + cross_entropy([scale * 0.6, scale * 0.8], 1)
    ) / 2
    loss = translation_ranking_loss(SOURCE, TARGET, scale=scale, margin=0.0, symmetric=False)
    assert loss.item() == pytest.approx(expected, rel=1e-5)


def test_symmetric_loss_adds_the_target_to_source_direction() -> None:
    forward = (cross_entropy([1.0, 0.0], 0) + cross_entropy([0.6, 0.8], 1)) / 2
    backward = (cross_entropy([1.0, 0.6], 0) + cross_entropy([0.0, 0.8], 1)) / 2  # columns of the matrix
    loss = translation_ranking_loss(SOURCE, TARGET, scale=1.0, margin=0.0, symmetric=True)
    assert loss.item() == pytest.approx((forward + backward) / 2, rel=1e-5)


def test_margin_is_subtracted_from_the_positive_only() -> None:
    m, s = 0.3, 10.0
    forward = (cross_entropy([s * (1.0 - m), 0.0], 0) + cross_entropy([s * 0.6, s * (0.8 - m)], 1)) / 2
    backward = (cross_entropy([s * (1.0 - m), s * 0.6], 0) + cross_entropy([0.0, s * (0.8 - m)], 1)) / 2
    loss = translation_ranking_loss(SOURCE, TARGET, scale=s, margin=m, symmetric=True)
    assert loss.item() == pytest.approx((forward + backward) / 2, rel=1e-5)


def test_embeddings_need_not_be_normalised() -> None:
    scaled = translation_ranking_loss(SOURCE * 3, TARGET * 0.5, scale=5.0, margin=0.1, symmetric=True)
    unit = translation_ranking_loss(SOURCE, TARGET, scale=5.0, margin=0.1, symmetric=True)
    assert scaled.item() == pytest.approx(unit.item(), rel=1e-5)
