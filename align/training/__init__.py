"""Training: the settings (:mod:`~align.training.config`, light), the losses, the trainer wiring,
and distillation into a static student. Names are imported on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from align.lazy import lazy_exports

_EXPORTS = {
    "DistillConfig": "align.training.config",
    "RunConfig": "align.training.config",
    "TrainConfig": "align.training.config",
    "distill": "align.training.distillation",
    "CachedTranslationRankingLoss": "align.training.losses",
    "DistillationLoss": "align.training.losses",
    "TranslationRankingLoss": "align.training.losses",
    "distillation_loss": "align.training.losses",
    "translation_ranking_loss": "align.training.losses",
    "TrainResult": "align.training.trainer",
    "train": "align.training.trainer",
}
__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from align.training.config import DistillConfig, RunConfig, TrainConfig
    from align.training.distillation import distill
    from align.training.losses import (
        CachedTranslationRankingLoss,
        DistillationLoss,
        TranslationRankingLoss,
        distillation_loss,
        translation_ranking_loss,
    )
    from align.training.trainer import TrainResult, train

__getattr__ = lazy_exports(__name__, _EXPORTS)
