"""Training: the losses, the trainer wiring, and distillation into a static student."""

from align.training.distill import DistillConfig, distill
from align.training.losses import (
    CachedTranslationRankingLoss,
    DistillationLoss,
    TranslationRankingLoss,
    distillation_loss,
    translation_ranking_loss,
)
from align.training.trainer import TrainConfig, TrainResult, train

__all__ = [
    "CachedTranslationRankingLoss",
    "DistillConfig",
    "DistillationLoss",
    "TrainConfig",
    "TrainResult",
    "TranslationRankingLoss",
    "distill",
    "distillation_loss",
    "train",
    "translation_ranking_loss",
]
