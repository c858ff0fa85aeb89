"""Mining translation pairs: the settings (:mod:`~align.mining.config`), margin scoring of
embedding matrices (:mod:`~align.mining.margin`), its evaluation against gold pairs
(:mod:`~align.mining.evaluation`) and mining two text files into a TSV (:mod:`~align.mining.files`).

The layers run one way: ``config`` ← ``margin`` ← ``evaluation`` ← ``files``; below them sit
:mod:`align.index` and :mod:`align.encode`. Names are imported on first use, so
``from align.mining import MiningConfig`` loads neither NumPy nor FAISS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from align.lazy import lazy_exports

if TYPE_CHECKING:
    from align.mining.config import MARGINS, MODES, CandidateMode, MarginKind, MiningConfig
    from align.mining.evaluation import (
        Calibration,
        PrecisionRecallCurve,
        calibrate_threshold,
        precision_recall_curve,
        precision_recall_f1,
    )
    from align.mining.files import MiningReport, mine_files, read_gold
    from align.mining.margin import MinedPairs, Neighbours, margin, mine, mine_from_neighbours, nearest
    from align.mining.run import mine_text_files


__getattr__, __all__ = lazy_exports(__name__, __file__)
