"""Distillation into a static student: the loss by hand, the student's vocabulary and start, a smoke run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.modules import StaticEmbedding
from tokenizers import Tokenizer, models, pre_tokenizers, trainers

from align.encode import encode_texts
from align.errors import AlignError
from align.training import DistillationLoss, DistillConfig, distill, distillation_loss
from align.training.encoders.layer_reduction import kept_layers, layer_reduced_copy
from align.training.encoders.student import (
    build_corpus_student,
    build_static_student,
    teacher_token_vectors,
    trim_vocabulary,
    widen_to_teacher_vocabulary,
)
from align.training.losses import translation_ranking_loss
from tests.conftest import COMPOSED, write_moses


def test_distillation_loss_by_hand() -> None:
    teacher = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    source = torch.tensor([[0.8, 0.6], [0.0, 1.0]])
    target = torch.tensor([[1.0, 0.0], [0.6, 0.8]])
    # Squared distances to the teacher's point, summed over dimensions:
    #   source: (0.2² + 0.6²) = 0.40 and 0;  target: 0 and (0.6² + 0.2²) = 0.40.
    #   Means over the batch: 0.20 and 0.20; over the two sides: 0.20.
    assert distillation_loss(source, target, teacher).item() == pytest.approx(0.20)


def test_distillation_loss_module_adds_the_weighted_ranking_loss() -> None:
    class Fixed(torch.nn.Module):  # a "model" that returns the given embeddings
        def forward(self, features: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
            return {"sentence_embedding": features["embedding"]}

    teacher = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    source = torch.tensor([[0.8, 0.6], [0.0, 1.0]])
    target = torch.tensor([[1.0, 0.0], [0.6, 0.8]])
    features = [{"embedding": source}, {"embedding": target}]
    only_distillation = DistillationLoss(Fixed(), ranking_weight=0.0)(features, teacher)
    assert only_distillation.item() == pytest.approx(0.20)
    combined = DistillationLoss(Fixed(), ranking_weight=0.5, scale=10.0, margin=0.1)(features, teacher)
    ranking = translation_ranking_loss(source, target, scale=10.0, margin=0.1, symmetric=True)
    assert combined.item() == pytest.approx(0.20 + 0.5 * ranking.item())


def _tiny_unigram() -> Tokenizer:
    tokenizer = Tokenizer(models.Unigram())
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    words = ["apples", "apple", "tea", "books", "cats", "flowers", "like", "want", "see", "buy"]
    trainer = trainers.UnigramTrainer(
        vocab_size=60, special_tokens=["<s>", "<pad>", "</s>", "<unk>"], unk_token="<unk>"
    )
    tokenizer.train_from_iterator([" ".join(words)] * 50, trainer=trainer)
    return tokenizer


def test_trimmed_vocabulary_keeps_used_pieces_specials_and_single_characters() -> None:
    tokenizer = _tiny_unigram()
    used = set(tokenizer.encode("like tea", add_special_tokens=False).ids)
    trimmed, old_ids = trim_vocabulary(tokenizer, used)
    assert trimmed.get_vocab_size() == len(old_ids) < tokenizer.get_vocab_size()
    assert old_ids[:4] == [0, 1, 2, 3]  # specials keep their ids
    for old in used:
        assert old in old_ids
    # Text the trimmed tokenizer was kept for reads the same; other words fall back to smaller pieces.
    assert trimmed.encode("like tea").tokens == tokenizer.encode("like tea").tokens
    assert "<unk>" not in trimmed.encode("flowers").tokens
    assert trimmed.token_to_id("<unk>") == 3
    pieces = trimmed.encode("flowers").tokens
    assert "".join(pieces).replace("▁", "") == "flowers"


def test_teacher_token_vectors_are_the_teachers_embedding_of_the_token_alone(minilm_path: str) -> None:
    teacher = SentenceTransformer(minilm_path, device="cpu")
    token_id = teacher.tokenizer.convert_tokens_to_ids("apple")
    vector = teacher_token_vectors(teacher, [token_id])[0]
    expected = teacher.encode(["apple"], convert_to_numpy=True)[0]  # [CLS] apple [SEP]
    np.testing.assert_allclose(vector, expected, atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("student_tokenizer", ["corpus", "teacher", "teacher-full"])
def test_distillation_smoke_run_saves_a_static_student_that_reloads(
    tmp_path: Path, minilm_path: str, student_tokenizer: str
) -> None:
    data = write_moses(tmp_path / "corpus", COMPOSED)
    result = distill(
        DistillConfig(
            teacher=minilm_path,
            pairs="en-zh",
            data=str(data),
            output=str(tmp_path / "student"),
            epochs=3,
            batch_size=16,
            dev_size=12,
            seed=1,
            student_tokenizer=student_tokenizer,
        )
    )
    assert result.losses and result.losses[-1] < result.losses[0]
    student = SentenceTransformer(str(tmp_path / "student"), device="cpu")
    assert isinstance(student[0], StaticEmbedding)
    embeddings = encode_texts(student, ["I like tea.", "我喜欢茶。"])
    assert embeddings.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, rtol=1e-5)
    # The vocabulary is a fraction of the teacher's (trimmed to what the corpus uses, or trained on
    # it), unless it was widened back to the teacher's whole vocabulary.
    teacher_size = SentenceTransformer(minilm_path, device="cpu").tokenizer.backend_tokenizer.get_vocab_size()
    if student_tokenizer == "teacher-full":
        assert student[0].tokenizer.get_vocab_size() == teacher_size
    else:
        assert student[0].tokenizer.get_vocab_size() < teacher_size / 2
    assert (tmp_path / "student" / "align_training.json").is_file()
    if student_tokenizer == "corpus":  # Traditional rows are tied to their Simplified twins
        simplified, traditional = encode_texts(student, ["喜欢", "喜歡"])
        np.testing.assert_allclose(simplified, traditional, atol=1e-6)


@pytest.mark.slow
def test_a_second_student_of_the_same_teacher_and_corpus_reuses_the_teachers_embeddings(
    tmp_path: Path, minilm_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from align.training import distillation

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # not the one earlier tests filled
    encoded: list[int] = []
    encode = distillation.encode_to_npy
    monkeypatch.setattr(
        distillation,
        "encode_to_npy",
        lambda model, texts, *a, **k: encoded.append(len(texts)) or encode(model, texts, *a, **k),
    )
    data = write_moses(tmp_path / "corpus", COMPOSED)
    for name, tokenizer in (("a", "corpus"), ("b", "teacher")):
        distill(
            DistillConfig(
                teacher=minilm_path, pairs="en-zh", data=str(data), output=str(tmp_path / name),
                epochs=1, batch_size=16, dev_size=12, seed=1, student_tokenizer=tokenizer,
            )
        )  # fmt: skip
    assert len(encoded) == 1  # the second run found the first one's embeddings in the cache
    assert (
        encoded[0] == len({english for english, _ in COMPOSED}) - 12
    )  # distinct sources, less the dev pairs


@pytest.mark.slow
def test_transformer_student_keeps_some_of_the_teachers_layers_and_reloads(
    tmp_path: Path, minilm_path: str
) -> None:
    data = write_moses(tmp_path / "corpus", COMPOSED)
    result = distill(
        DistillConfig(
            teacher=minilm_path, pairs="en-zh", data=str(data), output=str(tmp_path / "student"),
            student="transformer", student_layers=2, epochs=2, batch_size=16, dev_size=12, seed=1,
        )
    )  # fmt: skip
    assert result.losses and result.losses[-1] < result.losses[0]
    student = SentenceTransformer(str(tmp_path / "student"), device="cpu")
    assert student[0].auto_model.config.num_hidden_layers == 2
    assert student.max_seq_length == 128  # the fine-tuning defaults, not the static ones
    embeddings = encode_texts(student, ["I like tea.", "我喜欢茶。"])
    assert embeddings.shape == (2, 384)
    # The word embeddings stayed frozen: every language's tokens keep the teacher's vectors.
    teacher = SentenceTransformer(minilm_path, device="cpu")
    student_words, teacher_words = (m[0].auto_model.get_input_embeddings().weight for m in (student, teacher))
    assert torch.equal(student_words, teacher_words)


def test_kept_layers_spread_evenly_and_keep_the_last() -> None:
    assert kept_layers(12, 4) == [0, 4, 7, 11]
    assert kept_layers(6, 2) == [0, 5]
    assert kept_layers(6, 1) == [5]
    assert kept_layers(6, 6) == list(range(6))
    with pytest.raises(AlignError, match="cannot keep 7 of 6 layers"):
        kept_layers(6, 7)


def test_layer_reduced_copy_keeps_the_chosen_layers_weights(minilm_path: str, tmp_path: Path) -> None:
    teacher = SentenceTransformer(minilm_path, device="cpu")
    reduced = layer_reduced_copy(teacher, 3)
    layers = [name for name, _ in reduced[0].auto_model.named_children()]
    assert "encoder" in layers
    teacher_layers = teacher[0].auto_model.encoder.layer
    reduced_layers = reduced[0].auto_model.encoder.layer
    assert len(reduced_layers) == 3 and len(teacher_layers) == 6  # the teacher is left whole
    for kept, original in zip(reduced_layers, (teacher_layers[i] for i in kept_layers(6, 3)), strict=True):
        for (name, weight), (_, expected) in zip(
            kept.state_dict().items(), original.state_dict().items(), strict=True
        ):
            assert torch.equal(weight, expected), name
    reduced.save(str(tmp_path / "reduced"))
    reloaded = SentenceTransformer(str(tmp_path / "reduced"), device="cpu")
    sentences = ["I like tea.", "Cats sleep."]
    np.testing.assert_allclose(encode_texts(reloaded, sentences), encode_texts(reduced, sentences), atol=1e-5)


def test_layer_reduction_refuses_a_static_model(tiny_model: Path) -> None:
    with pytest.raises(AlignError, match="not a transformer"):
        layer_reduced_copy(SentenceTransformer(str(tiny_model), device="cpu"), 2)


def test_distillation_rejects_an_unknown_student(tmp_path: Path) -> None:
    with pytest.raises(AlignError, match="unknown student 'lstm'"):
        DistillConfig(teacher="t", pairs="en-zh", output=str(tmp_path / "s"), student="lstm")


@pytest.mark.parametrize("setting", [{"student_tokenizer": "teacher"}, {"initialise_from_teacher": False}])
def test_a_transformer_student_refuses_the_static_students_settings(tmp_path: Path, setting: dict) -> None:
    with pytest.raises(AlignError, match="are for a static student"):
        DistillConfig(
            teacher="t", pairs="en-zh", output=str(tmp_path / "s"), student="transformer", **setting
        )


def test_distillation_rejects_an_unknown_student_tokenizer(tmp_path: Path) -> None:
    with pytest.raises(AlignError, match="unknown student tokenizer 'bpe'"):
        DistillConfig(teacher="t", pairs="en-zh", output=str(tmp_path / "s"), student_tokenizer="bpe")


def test_student_starts_at_the_teachers_token_vectors(minilm_path: str) -> None:
    teacher = SentenceTransformer(minilm_path, device="cpu")
    student = build_static_student(teacher, ["apple tea"])
    token_id = student[0].tokenizer.token_to_id("apple")
    start = student[0].embedding.weight[token_id].detach().numpy()
    np.testing.assert_allclose(start, teacher.encode(["apple"], convert_to_numpy=True)[0], atol=1e-5)


def test_widened_student_keeps_its_trained_rows_and_takes_the_teachers_for_the_rest(minilm_path: str) -> None:
    teacher = SentenceTransformer(minilm_path, device="cpu")
    student = build_static_student(teacher, ["apple tea"])
    trained_row = student[0].tokenizer.token_to_id("apple")
    with torch.no_grad():
        student[0].embedding.weight[trained_row] += 1.0  # stands for what training moved
    widened = widen_to_teacher_vocabulary(student, teacher)
    full = widened[0].tokenizer
    assert full.get_vocab_size() == teacher.tokenizer.backend_tokenizer.get_vocab_size()
    weights = widened[0].embedding.weight.detach().numpy()
    np.testing.assert_allclose(
        weights[full.token_to_id("apple")], student[0].embedding.weight[trained_row].detach().numpy()
    )
    unseen = full.token_to_id("banana")  # not in the student's corpus: the teacher's vector of it alone
    assert student[0].tokenizer.token_to_id("banana") is None
    np.testing.assert_allclose(
        weights[unseen], teacher.encode(["banana"], convert_to_numpy=True)[0], atol=1e-5
    )


def test_corpus_student_splits_han_characters_and_starts_at_the_teachers_piece_vectors(
    minilm_path: str,
) -> None:
    teacher = SentenceTransformer(minilm_path, device="cpu")
    texts = [english for english, _ in COMPOSED] + [chinese for _, chinese in COMPOSED]
    student = build_corpus_student(teacher, texts * 3, vocab_size=500, fold_traditional=True)
    tokenizer = student[0].tokenizer
    assert tokenizer.encode("我喜欢茶", add_special_tokens=False).tokens == ["我", "喜", "欢", "茶"]
    # Folding: the Traditional twin of a Simplified character has a row of its own, tied after training.
    assert tokenizer.token_to_id("歡") is not None
    token_id = tokenizer.token_to_id("tea")
    start = student[0].embedding.weight[token_id].detach().numpy()
    np.testing.assert_allclose(start, teacher.encode(["tea"], prompt="", convert_to_numpy=True)[0], atol=1e-5)
