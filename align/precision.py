"""Unit vectors kept at lower precision: what ``align embed --precision`` writes, and the codes
``Retriever(precision=...)`` searches.

- float16: half the bytes, cosines within about 1e-3;
- int8: ``round(127 × value)``, a fixed scale that needs no calibration (a unit vector's values lie
  in [-1, 1]), so the codes of two files compare directly: their dot product is 127² × the cosine,
  to within rounding;
- binary: each dimension's sign, packed 8 to a byte (sentence-transformers' ``ubinary``): Hamming
  distance ranks neighbours (:mod:`align.index.precision` searches these and rescores).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, get_args

from align.errors import AlignError

if TYPE_CHECKING:  # NumPy is imported where rows are converted: the command line reads PRECISIONS
    import numpy as np

Precision = Literal["float32", "float16", "int8", "binary"]
PRECISIONS: tuple[str, ...] = get_args(Precision)
INT8_SCALE = 127


def stored_layout(dimension: int, precision: str) -> tuple[int, str]:
    """The width and dtype of a row of ``dimension`` values kept at ``precision``."""
    if precision not in PRECISIONS:
        raise AlignError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    if precision == "binary":
        if dimension % 8:
            raise AlignError(f"binary precision needs a dimension divisible by 8, got {dimension}")
        return dimension // 8, "uint8"
    return dimension, {"float32": "float32", "float16": "float16", "int8": "int8"}[precision]


def binary_codes(vectors: np.ndarray) -> np.ndarray:
    """Each dimension's sign as one bit, packed 8 to a byte (uint8 rows of dimension / 8)."""
    import numpy as np

    return np.packbits(vectors > 0, axis=1)


def at_precision(vectors: np.ndarray, precision: str) -> np.ndarray:
    """Unit float32 rows as ``precision`` keeps them."""
    import numpy as np

    if precision == "binary":
        return binary_codes(vectors)
    if precision == "int8":
        return np.clip(np.rint(vectors * INT8_SCALE), -INT8_SCALE, INT8_SCALE).astype(np.int8)
    return vectors.astype(stored_layout(vectors.shape[1], precision)[1], copy=False)
