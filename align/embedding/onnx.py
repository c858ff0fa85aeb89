"""A transformer encoder exported to ONNX, run by onnxruntime and the Rust tokenizers: no torch.

The model directory is a sentence-transformers one (its tokenizer, ``modules.json`` and pooling
settings) with the graph under ``onnx/``, the layout that sentence-transformers' ONNX backend and
``align export --format onnx`` write. The graph yields token vectors; pooling and normalising are
done here in NumPy, as sentence-transformers' Pooling and Normalize modules do them.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from align.embedding.protocol import prompt_for, scale_to_unit
from align.errors import AlignError

# The modules, by the end of their type name, that this embedder runs after the graph.
TRANSFORMER, POOLING, NORMALIZE = "Transformer", "Pooling", "Normalize"
POOLING_MODES = ("mean", "cls", "max", "lasttoken")
# Texts per run of the graph, sorted by length so that a batch pads little. 32 is what
# sentence-transformers uses; on 2 cores larger batches gained nothing (me5-small, Tatoeba).
BATCH_SIZE = 32
# Outputs that hold the token vectors, in the names exporters give them.
TOKEN_OUTPUTS = ("token_embeddings", "last_hidden_state")


def model_directory(graph: Path) -> Path:
    """The sentence-transformers directory an ONNX file belongs to (``DIR/onnx/model.onnx`` → DIR)."""
    return graph.parent.parent if graph.parent.name == "onnx" else graph.parent


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except ValueError as error:
        raise AlignError(f"{path}: not valid JSON ({error})") from None


def _pooling_mode(config: Mapping) -> str:
    """The pooling a Pooling module's config asks for (its ``pooling_mode``, or the older flags)."""
    mode = config.get("pooling_mode")
    if mode is None:
        flags = {"mean": "pooling_mode_mean_tokens", "cls": "pooling_mode_cls_token"}
        flags |= {"max": "pooling_mode_max_tokens", "lasttoken": "pooling_mode_lasttoken"}
        chosen = [name for name, flag in flags.items() if config.get(flag)]
        mode = chosen[0] if len(chosen) == 1 else None
    if mode not in POOLING_MODES:
        raise AlignError(f"pooling {mode!r} is not one the ONNX embedder runs ({', '.join(POOLING_MODES)})")
    if config.get("include_prompt") is False:
        raise AlignError("pooling that leaves out the prompt is not one the ONNX embedder runs")
    return mode


def _max_length(root: Path) -> int | None:
    """Tokens read of a text, as sentence-transformers decides it: its own setting, else the
    tokenizer's ``model_max_length``, else the model's positions."""
    length = _read_json(root / "sentence_bert_config.json").get("max_seq_length")
    if length is None:
        length = _read_json(root / "tokenizer_config.json").get("model_max_length")
        if not isinstance(length, int) or length > 100_000:  # "no limit", in tokenizers' words
            length = _read_json(root / "config.json").get("max_position_embeddings")
    return int(length) if isinstance(length, int) else None


class OnnxEmbedder:
    """A sentence-transformers model's ONNX graph, run with onnxruntime on the CPU."""

    def __init__(
        self,
        name: str,
        session: object,
        tokenizer: object,
        *,
        pooling: str,
        dimension: int,
        max_length: int | None,
        prompts: Mapping[str, str] | None = None,
        default_role: str | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.name = name
        self.session = session
        self.tokenizer = tokenizer
        self.pooling = pooling
        self.dimension = dimension
        self.max_length = max_length
        self.prompts = dict(prompts or {})
        self.default_role = default_role
        self.batch_size = batch_size
        self._inputs = {item.name for item in session.get_inputs()}
        outputs = [item.name for item in session.get_outputs()]
        self._output = next((name for name in TOKEN_OUTPUTS if name in outputs), outputs[0])
        self._fingerprint: str | None = None

    @classmethod
    def load(cls, graph: str | os.PathLike) -> OnnxEmbedder:
        """Open the ONNX file ``graph`` with its model directory's tokenizer and settings."""
        import onnxruntime
        from tokenizers import Tokenizer

        path = Path(graph).expanduser()
        if not path.is_file():
            raise AlignError(f"{graph}: no such ONNX file")
        root = model_directory(path)
        modules = _read_json(root / "modules.json")
        kinds = [str(module.get("type", "")).rsplit(".", 1)[-1] for module in modules]
        if kinds[:2] != [TRANSFORMER, POOLING] or any(kind != NORMALIZE for kind in kinds[2:]):
            raise AlignError(
                f"{root}: the ONNX embedder runs Transformer → Pooling → Normalize models; "
                f"this one has {' → '.join(kinds) or 'no modules.json'}"
            )
        pooling_config = _read_json(root / modules[1]["path"] / "config.json")
        try:
            tokenizer = Tokenizer.from_file(str(root / "tokenizer.json"))
        except Exception as error:  # tokenizers raises its own types
            raise AlignError(f"{root}: cannot read tokenizer.json: {error}") from None
        max_length = _max_length(root)
        if max_length is not None:
            tokenizer.enable_truncation(max_length)
        tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        threads = os.environ.get("OMP_NUM_THREADS", "")
        options.intra_op_num_threads = int(threads) if threads.isdigit() else 0
        try:
            session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime raises its own types
            raise AlignError(f"{path}: onnxruntime cannot load it: {error}") from None
        config = _read_json(root / "config_sentence_transformers.json")
        return cls(
            str(graph),
            session,
            tokenizer,
            pooling=_pooling_mode(pooling_config),
            dimension=int(
                pooling_config.get("embedding_dimension") or pooling_config.get("word_embedding_dimension")
            ),
            max_length=max_length,
            prompts=config.get("prompts") or {},
            default_role=config.get("default_prompt_name"),
        )

    def __call__(self, texts: Sequence[str], *, role: str | None = None) -> np.ndarray:
        """Unit rows, in the order of ``texts``; batches are formed of texts of similar length."""
        prompt = prompt_for(self.prompts, role, self.default_role)
        encodings = self.tokenizer.encode_batch_fast([prompt + text for text in texts])
        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = np.argsort([-len(encoding.ids) for encoding in encodings], kind="stable")
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            rows[batch] = self._run([encodings[index].ids for index in batch])
        return scale_to_unit(rows)

    def _run(self, ids: list[list[int]]) -> np.ndarray:
        """The pooled (not yet normalised) vectors of one batch of token ids."""
        width = max(len(row) for row in ids)
        input_ids = np.zeros((len(ids), width), dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for number, row in enumerate(ids):
            input_ids[number, : len(row)] = row
            mask[number, : len(row)] = 1
        feed = {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(mask)}
        tokens = self.session.run([self._output], {name: feed[name] for name in self._inputs})[0]
        if self.pooling == "cls":
            return tokens[:, 0]
        if self.pooling == "lasttoken":
            return tokens[np.arange(len(ids)), mask.sum(axis=1) - 1]
        if self.pooling == "max":
            return np.where(mask[..., None] > 0, tokens, -np.inf).max(axis=1)
        weights = mask[..., None].astype(np.float32)
        return (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)

    def fingerprint(self) -> str:
        """A hash of the graph, the tokenizer, the pooling and the prompts, made once."""
        if self._fingerprint is None:
            digest = hashlib.sha1(self.tokenizer.to_str().encode())
            settings = [self.pooling, self.max_length, self.prompts, self.default_role]
            digest.update(json.dumps(settings, sort_keys=True).encode())
            with open(self.name, "rb") as graph:
                while chunk := graph.read(1 << 20):
                    digest.update(chunk)
            self._fingerprint = digest.hexdigest()[:12]
        return self._fingerprint
