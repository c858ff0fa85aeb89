"""A static student initialised from a transformer teacher, for distillation.

Two kinds of student. :func:`build_corpus_student` uses align's own tokenizer trained on the corpus
(one token per Han character); each piece starts at the teacher's embedding of its text. It is the
default, and the better one on Chinese. :func:`build_static_student` reads text with the teacher's
own tokenizer, so it covers the teacher's scripts without training a vocabulary. Two things keep it
small and give it a good start:

* **Vocabulary trimming.** multilingual-e5's tokenizer has 250k pieces, most of them never seen in a
  given corpus; a row for each would make a 384 MB model whose unseen rows stay at their starting
  point. The student keeps the pieces its corpus uses plus every single-character piece, so any
  word the teacher can spell is still spelled out of pieces the student has. (Unigram and
  WordPiece tokenizers; others keep their full vocabulary.)
* **Teacher initialisation, as model2vec does it.** Each kept piece starts as the teacher's own
  sentence embedding of that piece alone (``[CLS] piece [SEP]``), so before any training the student
  already mean-pools vectors from the teacher's space.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterable, Sequence

import numpy as np
import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.modules import Normalize, StaticEmbedding
from tokenizers import Tokenizer
from tqdm.auto import tqdm

from align.training.encoders.static import build_static_encoder

logger = logging.getLogger(__name__)


def teacher_tokenizer(teacher: SentenceTransformer) -> Tokenizer:
    """A copy of the teacher's fast (Rust) tokenizer, without padding or truncation settings."""
    backend = getattr(teacher.tokenizer, "backend_tokenizer", None)
    if backend is None:
        raise ValueError("the teacher has no fast tokenizer; a static student needs one")
    tokenizer = copy.deepcopy(backend)
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


def used_token_ids(tokenizer: Tokenizer, texts: Iterable[str], batch_size: int = 10_000) -> set[int]:
    """Every token id that ``tokenizer`` produces on ``texts``."""
    used: set[int] = set()
    batch: list[str] = []
    for text in texts:
        batch.append(text)
        if len(batch) == batch_size:
            used.update(*(e.ids for e in tokenizer.encode_batch(batch, add_special_tokens=False)))
            batch = []
    if batch:
        used.update(*(e.ids for e in tokenizer.encode_batch(batch, add_special_tokens=False)))
    return used


def trim_vocabulary(tokenizer: Tokenizer, keep: set[int]) -> tuple[Tokenizer, list[int]]:
    """A tokenizer holding only the pieces in ``keep``, the special pieces and single characters.

    Returns it with ``old_ids``: the original id of each new id, in the original order. Unigram
    (XLM-R, e5) and WordPiece (BERT) vocabularies are trimmed; any other is returned unchanged.
    """
    state = json.loads(tokenizer.to_str())
    model = state["model"]
    if model.get("type") == "Unigram":
        pieces = [piece for piece, _score in model["vocab"]]
    elif model.get("type") == "WordPiece":
        pieces = sorted(model["vocab"], key=model["vocab"].get)
    else:
        return tokenizer, list(range(tokenizer.get_vocab_size()))
    specials = {token["id"] for token in state.get("added_tokens", []) if token.get("special")}
    old_ids = [
        old
        for old, piece in enumerate(pieces)
        if old in keep or old in specials or len(piece.removeprefix("##").lstrip("▁")) <= 1
    ]
    new_id = {old: new for new, old in enumerate(old_ids)}
    if model["type"] == "Unigram":
        model["vocab"] = [model["vocab"][old] for old in old_ids]
        if model.get("unk_id") is not None:
            model["unk_id"] = new_id[model["unk_id"]]
    else:
        model["vocab"] = {pieces[old]: new for new, old in enumerate(old_ids)}
    added = state.get("added_tokens", [])
    state["added_tokens"] = [{**token, "id": new_id[token["id"]]} for token in added if token["id"] in new_id]
    processor = state.get("post_processor") or {}
    for special in (processor.get("special_tokens") or {}).values():
        special["ids"] = [new_id[old] for old in special["ids"]]
    return Tokenizer.from_str(json.dumps(state)), old_ids


@torch.inference_mode()
def teacher_token_vectors(
    teacher: SentenceTransformer, token_ids: Sequence[int], batch_size: int = 512
) -> np.ndarray:
    """The teacher's sentence embedding of each token alone: ``[CLS] token [SEP]`` (model2vec)."""
    hf_tokenizer = teacher.tokenizer
    begin = hf_tokenizer.cls_token_id if hf_tokenizer.cls_token_id is not None else hf_tokenizer.bos_token_id
    end = hf_tokenizer.sep_token_id if hf_tokenizer.sep_token_id is not None else hf_tokenizer.eos_token_id
    teacher.eval()
    vectors = np.zeros((len(token_ids), teacher.get_embedding_dimension()), dtype=np.float32)
    for start in tqdm(range(0, len(token_ids), batch_size), desc="Embedding tokens with the teacher"):
        ids = torch.tensor(token_ids[start : start + batch_size]).unsqueeze(1)
        column = torch.full_like(ids, begin), ids, torch.full_like(ids, end)
        input_ids = torch.cat(column, dim=1).to(teacher.device)
        features = {"input_ids": input_ids, "attention_mask": torch.ones_like(input_ids)}
        vectors[start : start + len(ids)] = teacher(features)["sentence_embedding"].float().cpu().numpy()
    return vectors


def teacher_piece_vectors(
    teacher: SentenceTransformer, pieces: Sequence[str], batch_size: int = 512
) -> np.ndarray:
    """The teacher's embedding of each piece's text alone (``##`` continuation marks dropped).

    For a vocabulary the teacher does not share: the teacher tokenizes each piece itself. No prompt,
    as in :func:`teacher_token_vectors`.
    """
    texts = [piece.removeprefix("##") for piece in pieces]
    return teacher.encode(
        texts, prompt="", batch_size=batch_size, convert_to_numpy=True, show_progress_bar=len(texts) > 10_000
    ).astype(np.float32)


def build_static_student(
    teacher: SentenceTransformer, texts: Iterable[str], *, initialise_from_teacher: bool = True, seed: int = 0
) -> SentenceTransformer:
    """A static encoder with the teacher's (trimmed) tokenizer and embedding size, ready to distil.

    ``texts`` decides which pieces are kept. Without ``initialise_from_teacher`` the rows start
    random, which is what the teacher initialisation is measured against.
    """
    torch.manual_seed(seed)
    full = teacher_tokenizer(teacher)
    tokenizer, old_ids = trim_vocabulary(full, used_token_ids(full, texts))
    logger.info("Student vocabulary: %s pieces", f"{len(old_ids):,}")
    dimension = teacher.get_embedding_dimension()
    if initialise_from_teacher:
        weights = torch.from_numpy(teacher_token_vectors(teacher, old_ids))
        embedding = StaticEmbedding(tokenizer, embedding_weights=weights)
    else:
        embedding = StaticEmbedding(tokenizer, embedding_dim=dimension)
    return SentenceTransformer(modules=[embedding, Normalize()], device="cpu")


def widen_to_teacher_vocabulary(
    student: SentenceTransformer, teacher: SentenceTransformer
) -> SentenceTransformer:
    """The student with the teacher's whole vocabulary: its trained row for each piece it has, the
    teacher's vector of the piece alone (:func:`teacher_token_vectors`) for every other.

    A student trimmed to its corpus spells the words of languages without training pairs out of
    single characters; widened, those words read the teacher's own vectors again. Training the
    trimmed student and widening it afterwards gives the rows the corpus trains the same updates
    as training with the whole vocabulary would (the corpus is cut into the same pieces either
    way), at a fraction of the optimiser's cost per step.
    """
    trained = student[0]
    full = teacher_tokenizer(teacher)
    vectors = torch.from_numpy(teacher_token_vectors(teacher, list(range(full.get_vocab_size()))))
    full_ids = full.get_vocab()
    for piece, row in trained.tokenizer.get_vocab().items():
        vectors[full_ids[piece]] = trained.embedding.weight[row].detach()
    logger.info("Student vocabulary widened to the teacher's %s pieces", f"{len(full_ids):,}")
    return SentenceTransformer(
        modules=[StaticEmbedding(full, embedding_weights=vectors), *list(student)[1:]], device="cpu"
    )


def build_corpus_student(
    teacher: SentenceTransformer,
    texts: Iterable[str],
    *,
    vocab_size: int,
    fold_traditional: bool,
    initialise_from_teacher: bool = True,
    seed: int = 0,
) -> SentenceTransformer:
    """A static student with align's own tokenizer, trained on ``texts``, in the teacher's space.

    The tokenizer is the one :func:`align.training.encoders.static.build_static_encoder` trains: one token
    per Han character, optionally with Traditional folded onto Simplified. Each row starts at the
    teacher's embedding of its piece's text (:func:`teacher_piece_vectors`).
    """
    student = build_static_encoder(
        texts,
        embedding_dim=teacher.get_embedding_dimension(),
        vocab_size=vocab_size,
        fold_traditional=fold_traditional,
        seed=seed,
    )
    embedding = student[0]
    logger.info("Student vocabulary: %s pieces", f"{embedding.tokenizer.get_vocab_size():,}")
    if initialise_from_teacher:
        vocab = embedding.tokenizer.get_vocab()
        pieces = sorted(vocab, key=vocab.get)
        with torch.no_grad():
            embedding.embedding.weight.copy_(torch.from_numpy(teacher_piece_vectors(teacher, pieces)))
    return student
