"""Any sentence-transformers model as an :class:`~align.embedding.protocol.Embedder` (needs torch)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence

import numpy as np

from align.embedding.protocol import Embedder
from align.encode import Encoder, encode_texts, load_encoder, model_digest
from align.errors import AlignError


class SentenceTransformerEmbedder:
    """A loaded sentence-transformers model, encoding with align's normalising ``encode_texts``.

    With ``progress_from``, a call on more texts than that shows sentence-transformers' own bar over
    its batches, on stderr.
    """

    def __init__(
        self, model: Encoder, name: str, *, batch_size: int | None = None, progress_from: int | None = None
    ) -> None:
        self.model = model
        self.name = name
        self.batch_size = batch_size
        self.progress_from = progress_from
        self.dimension = int(model.get_embedding_dimension())
        length = model.max_seq_length
        self.max_length = int(length) if isinstance(length, int) else None
        self.prompts = dict(model.prompts)
        self.default_role = model.default_prompt_name

    @classmethod
    def load(cls, name: str | os.PathLike) -> SentenceTransformerEmbedder:
        return cls(load_encoder(name), str(name))

    def __call__(self, texts: Sequence[str], *, role: str | None = None) -> np.ndarray:
        many = self.progress_from is not None and len(texts) > self.progress_from
        return encode_texts(
            self.model, list(texts), batch_size=self.batch_size, prompt_name=role, show_progress_bar=many
        )

    def fingerprint(self) -> str:
        return model_digest(self.model)[:12]


@contextlib.contextmanager
def on_devices(embedder: Embedder, devices: Sequence[str]) -> Iterator[Embedder]:
    """``embedder`` encoding on every one of ``devices`` at once, e.g. ``("cuda:0", "cuda:1")``:
    sentence-transformers' multi-process pool holds a copy of the model on each, and each call's
    texts are cut into chunks among them (the processes are stopped when the block ends). With
    fewer than two devices, the embedder as it is."""
    if len(devices) < 2:
        yield embedder
        return
    if not isinstance(embedder, SentenceTransformerEmbedder):
        raise AlignError(
            f"--devices {','.join(devices)}: only sentence-transformers models run on several devices; "
            f"{embedder.name} runs in this process (static and ONNX models use its CPU threads)"
        )
    pool = embedder.model.start_multi_process_pool(list(devices))
    try:
        pooled = _Pooled(embedder.model, pool)
        yield SentenceTransformerEmbedder(
            pooled, embedder.name, batch_size=embedder.batch_size, progress_from=embedder.progress_from
        )
    finally:
        embedder.model.stop_multi_process_pool(pool)


class _Pooled:
    """A model whose ``encode`` runs in its multi-process pool; everything else is the model's."""

    def __init__(self, model: Encoder, pool: dict) -> None:
        self._model, self._pool = model, pool

    def __getattr__(self, name: str) -> object:
        return getattr(self._model, name)

    def __getitem__(self, index: int) -> object:  # its modules, as align looks at the first
        return self._model[index]

    def __len__(self) -> int:
        return len(self._model)

    def encode(self, texts: list[str], **options: object) -> np.ndarray:
        return np.asarray(self._model.encode(texts, pool=self._pool, **options), dtype=np.float32)
