"""align's static models run with NumPy, the Rust tokenizers and SciPy: no torch.

A static model is a token table, a mean and a normalisation. sentence-transformers runs it through
torch's ``EmbeddingBag``; here the mean is one sparse matrix product (texts × vocabulary, a 1 where
a text holds a token) with the table, which is where NumPy is fast: gathering each token's row and
averaging them in NumPy runs slower than sentence-transformers itself. The vectors are
sentence-transformers' to within float32 rounding (tests/test_embedding.py).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from align.embedding.protocol import prompt_for, scale_to_unit
from align.errors import AlignError

STATIC_MODULE = "StaticEmbedding"  # the end of the module type sentence-transformers records
NORMALIZE_MODULE = "Normalize"
# Texts tokenised and pooled at a time: small blocks of rows stay in cache and let tokenizing and
# pooling overlap (50k sentences: 0.46 s in chunks of 4,096, 0.53 s of 8,192 one after the other,
# up to 0.75 s in one chunk), large enough for the tokenizer's threads to share the work.
CHUNK = 4_096


def static_module_path(directory: Path) -> Path | None:
    """Where a sentence-transformers model directory keeps its static token table, or None when the
    model is not a static one (a table, then at most a normalisation)."""
    modules_file = directory / "modules.json"
    if not modules_file.is_file():
        return None
    try:
        modules = json.loads(modules_file.read_text(encoding="utf-8"))
        kinds = [str(module["type"]).rsplit(".", 1)[-1] for module in modules]
        first = modules[0]
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    if kinds[0] != STATIC_MODULE or any(kind != NORMALIZE_MODULE for kind in kinds[1:]):
        return None
    return directory / str(first.get("path", ""))


class StaticEmbedder:
    """A static model saved by align (or by sentence-transformers), run without torch."""

    def __init__(
        self,
        name: str,
        tokenizer: object,
        table: np.ndarray,
        prompts: Mapping[str, str] | None = None,
        default_role: str | None = None,
    ) -> None:
        self.name = name
        self.tokenizer = tokenizer
        self.table = np.ascontiguousarray(table, dtype=np.float32)
        self.dimension = int(self.table.shape[1])
        self.max_length: int | None = None
        self.prompts = dict(prompts or {})
        self.default_role = default_role
        self._fingerprint: str | None = None

    @classmethod
    def load(cls, directory: str | os.PathLike) -> StaticEmbedder:
        """Read the token table, the tokenizer and the prompts of a static model's directory."""
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        root = Path(directory)
        module = static_module_path(root)
        if module is None:
            raise AlignError(f"{root}: not a static model (its modules.json names other modules)")
        try:
            weights = load_file(str(module / "model.safetensors"))
            tokenizer = Tokenizer.from_file(str(module / "tokenizer.json"))
        except Exception as error:  # safetensors and tokenizers raise their own types
            raise AlignError(f"{root}: cannot read the static model: {error}") from None
        if "embedding.weight" not in weights:
            raise AlignError(f"{root}: model.safetensors holds no embedding.weight table")
        tokenizer.no_padding()  # as sentence-transformers' StaticEmbedding does
        config_file = root / "config_sentence_transformers.json"
        config = json.loads(config_file.read_text(encoding="utf-8")) if config_file.is_file() else {}
        return cls(
            str(directory),
            tokenizer,
            weights["embedding.weight"],
            prompts=config.get("prompts") or {},
            default_role=config.get("default_prompt_name"),
        )

    def __call__(self, texts: Sequence[str], *, role: str | None = None) -> np.ndarray:
        """The unit mean of each text's token vectors; a text without tokens is a zero row.

        The tokenizer (Rust, its own threads, the GIL released) works on the next chunk while this
        thread pools the last one."""
        prompt = prompt_for(self.prompts, role, self.default_role)
        texts = [prompt + text for text in texts] if prompt else list(texts)
        rows = np.empty((len(texts), self.dimension), dtype=np.float32)
        chunks = [texts[start : start + CHUNK] for start in range(0, len(texts), CHUNK)]
        with ThreadPoolExecutor(max_workers=1) as tokenizer:
            upcoming = tokenizer.submit(self._tokenize, chunks[0]) if chunks else None
            done = 0
            for number in range(len(chunks)):
                encodings = upcoming.result()
                if number + 1 < len(chunks):
                    upcoming = tokenizer.submit(self._tokenize, chunks[number + 1])
                rows[done : done + len(encodings)] = self._pool([encoding.ids for encoding in encodings])
                done += len(encodings)
        return rows

    def _tokenize(self, texts: list[str]) -> list:
        return self.tokenizer.encode_batch_fast(texts, add_special_tokens=False)

    def _pool(self, ids: list[list[int]]) -> np.ndarray:
        """Each text's token vectors summed, as one sparse product, then scaled to unit length."""
        from scipy.sparse import csr_matrix

        indptr = np.zeros(len(ids) + 1, dtype=np.int64)
        np.cumsum([len(row) for row in ids], out=indptr[1:])
        tokens = np.fromiter((token for row in ids for token in row), dtype=np.int64, count=int(indptr[-1]))
        ones = np.ones(len(tokens), dtype=np.float32)
        sums = csr_matrix((ones, tokens, indptr), shape=(len(ids), len(self.table))) @ self.table
        return scale_to_unit(sums)

    def fingerprint(self) -> str:
        """A hash of the tokenizer, the prompts and the table, made once (70 MB take a tenth of a second)."""
        if self._fingerprint is None:
            digest = hashlib.sha1(self.tokenizer.to_str().encode())
            digest.update(json.dumps([self.prompts, self.default_role], sort_keys=True).encode())
            digest.update(self.table.tobytes())
            self._fingerprint = digest.hexdigest()[:12]
        return self._fingerprint
