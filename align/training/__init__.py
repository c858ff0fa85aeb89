"""Training: the translation ranking loss and the trainer wiring."""

from align.training.losses import (
    CachedTranslationRankingLoss,
    TranslationRankingLoss,
    translation_ranking_loss,
)
from align.training.trainer import TrainConfig, TrainResult, train

__all__ = [
    "CachedTranslationRankingLoss",
    "TrainConfig",
    "TrainResult",
    "TranslationRankingLoss",
    "train",
    "translation_ranking_loss",
]
