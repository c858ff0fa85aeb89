"""Training end to end on tiny corpora: the loss goes down, and the model reloads in sentence-transformers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from sentence_transformers import SentenceTransformer

from align.encode import encode_texts
from align.errors import AlignError
from align.training import CachedTranslationRankingLoss, TrainConfig, train
from align.training.runs import STATE_FILE
from tests.conftest import COMPOSED, write_moses


@pytest.fixture
def composed_dir(tmp_path: Path) -> Path:
    return write_moses(tmp_path / "corpus", COMPOSED)


def small_config(data: Path, output: Path, **overrides: object) -> TrainConfig:
    settings: dict = {
        "pairs": "en-zh",
        "data": str(data),
        "output": str(output),
        "epochs": 8,
        "batch_size": 16,
        "embedding_dim": 32,
        "dev_size": 12,
        "learning_rate": 0.1,
        "seed": 3,
    }
    return TrainConfig(**{**settings, **overrides})


@pytest.mark.slow
def test_static_training_learns_and_saves_a_plain_sentence_transformer(
    composed_dir: Path, tmp_path: Path
) -> None:
    result = train(small_config(composed_dir, tmp_path / "model"))
    assert result.losses[-1] < result.losses[0] * 0.7
    assert result.train_pairs == len(COMPOSED) - 12
    assert result.dev_scores["mean"] > 50  # chance is 1/12 ≈ 8 %

    english = [en for en, _ in COMPOSED[:20]]
    chinese = [zh for _, zh in COMPOSED[:20]]
    reloaded = SentenceTransformer(str(tmp_path / "model"), device="cpu")
    np.testing.assert_allclose(
        encode_texts(reloaded, english), encode_texts(result.model, english), atol=1e-6
    )
    np.testing.assert_allclose(
        encode_texts(reloaded, ["他們買書。"]), encode_texts(result.model, ["他们买书。"]), atol=1e-6
    )  # Traditional input lands on the Simplified vectors
    similarities = encode_texts(reloaded, english) @ encode_texts(reloaded, chinese).T
    assert np.mean(np.argmax(similarities, axis=1) == np.arange(20)) > 0.5

    state = json.loads((tmp_path / "model" / STATE_FILE).read_text(encoding="utf-8"))
    assert state["config"]["pairs"] == "en-zh" and state["dev_scores"] == result.dev_scores
    card = (tmp_path / "model" / "README.md").read_text(encoding="utf-8")
    assert "TranslationRankingLoss" in card and "margin" in card
    assert "tiny.en-zh.en + tiny.en-zh.zh" in card  # the data it was trained on
    assert "dev_mean_accuracy" in card
    assert not (tmp_path / "model.work").exists()  # work in progress is cleaned up


@pytest.mark.slow
def test_same_seed_gives_the_same_model(composed_dir: Path, tmp_path: Path) -> None:
    first = train(small_config(composed_dir, tmp_path / "a", epochs=2))
    second = train(small_config(composed_dir, tmp_path / "b", epochs=2))
    assert first.losses == second.losses


@pytest.mark.slow
def test_several_language_pairs_train_one_encoder(tmp_path: Path) -> None:
    german = [
        ("I like tea.", "Ich mag Tee."),
        ("They buy books.", "Sie kaufen Bücher."),
        ("We see cats.", "Wir sehen Katzen."),
        ("She wants apples.", "Sie will Äpfel."),
    ]
    write_moses(tmp_path / "corpora" / "en-zh", COMPOSED)
    de_dir = tmp_path / "corpora" / "en-de"
    de_dir.mkdir()
    (de_dir / "toy.de-en.en").write_text("".join(f"{en}\n" for en, _ in german), encoding="utf-8")
    (de_dir / "toy.de-en.de").write_text("".join(f"{de}\n" for _, de in german), encoding="utf-8")
    result = train(small_config(tmp_path / "corpora", tmp_path / "model", pairs="en-zh,en-de", epochs=1))
    assert result.train_pairs == len(COMPOSED) + len(german) - 12
    assert "sie" in result.model[0].tokenizer.get_vocab()  # one tokenizer learnt both corpora
    card = (tmp_path / "model" / "README.md").read_text(encoding="utf-8")
    assert "toy.de-en.en + toy.de-en.de" in card and "tiny.en-zh.en + tiny.en-zh.zh" in card


def test_existing_output_needs_force_and_only_a_model_is_ever_replaced(
    composed_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "thesis.tex").write_text("months of work", encoding="utf-8")
    for force in (False, True):
        with pytest.raises(
            AlignError, match="align did not write; refusing to replace it, even with force=True"
        ):
            train(small_config(composed_dir, tmp_path / "model", force=force))
    assert not (tmp_path / "model.work").exists()
    assert (tmp_path / "model" / "thesis.tex").read_text(encoding="utf-8") == "months of work"


def test_resume_without_a_run_is_a_clear_error(composed_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(AlignError, match="no unfinished run"):
        train(small_config(composed_dir, tmp_path / "model", resume=True))


@pytest.mark.slow
def test_interrupted_run_resumes_from_its_checkpoint(
    composed_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sentence_transformers import SentenceTransformerTrainer

    original_save = SentenceTransformerTrainer._save_checkpoint
    calls = {"n": 0}

    def save_then_crash(self, *args, **kwargs):  # the first checkpoint is written, then the "machine dies"
        original_save(self, *args, **kwargs)
        calls["n"] += 1
        raise KeyboardInterrupt

    monkeypatch.setattr(SentenceTransformerTrainer, "_save_checkpoint", save_then_crash)
    config = small_config(composed_dir, tmp_path / "model", epochs=4, eval_steps=6)
    with pytest.raises(KeyboardInterrupt):
        train(config)
    assert not (tmp_path / "model").exists()
    with pytest.raises(AlignError, match="unfinished run; pass resume=True"):
        train(config)

    monkeypatch.setattr(SentenceTransformerTrainer, "_save_checkpoint", original_save)
    config.resume = True
    result = train(config)
    steps_per_epoch = (len(COMPOSED) - 12) // 16
    assert len(result.losses) < 4 * steps_per_epoch  # the first 6 steps were not trained again
    assert (tmp_path / "model" / "model.safetensors").is_file()


def test_cached_loss_refuses_static_models() -> None:
    from align.training.encoders import build_static_encoder

    static = build_static_encoder([en for en, _ in COMPOSED] + [zh for _, zh in COMPOSED], embedding_dim=8)
    with pytest.raises(ValueError, match="gradient caching needs a transformer"):
        CachedTranslationRankingLoss(static)


def test_cached_loss_gives_the_same_gradients_as_the_plain_loss(minilm_path: str) -> None:
    from align.training import TranslationRankingLoss

    model = SentenceTransformer(minilm_path, device="cpu")
    texts = [COMPOSED[i] for i in range(8)]
    features = [model.preprocess([en for en, _ in texts]), model.preprocess([de for _, de in texts])]

    def gradient_and_loss(loss_module: torch.nn.Module) -> tuple[float, torch.Tensor]:
        model.zero_grad()
        loss = loss_module([dict(f) for f in features], None)
        loss.backward()
        weight = model[0].auto_model.embeddings.word_embeddings.weight
        return loss.item(), weight.grad.detach().clone()

    plain_loss, plain_grad = gradient_and_loss(TranslationRankingLoss(model, margin=0.2))
    cached_loss, cached_grad = gradient_and_loss(
        CachedTranslationRankingLoss(model, margin=0.2, mini_batch_size=3)
    )
    assert cached_loss == pytest.approx(plain_loss, rel=1e-4)
    torch.testing.assert_close(cached_grad, plain_grad, rtol=1e-3, atol=1e-6)


@pytest.mark.slow
def test_fine_tuning_a_pretrained_transformer(tmp_path: Path, minilm_path: str) -> None:
    pairs = [
        ("I like apples.", "Ich mag Äpfel."),
        ("We see cats.", "Wir sehen Katzen."),
        ("She buys books.", "Sie kauft Bücher."),
        ("They want tea.", "Sie wollen Tee."),
        ("He sees flowers.", "Er sieht Blumen."),
        ("You like books.", "Du magst Bücher."),
    ] * 4
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "toy.en-de.en").write_text("".join(f"{en}\n" for en, _ in pairs), encoding="utf-8")
    (corpus / "toy.en-de.de").write_text("".join(f"{de}\n" for _, de in pairs), encoding="utf-8")
    result = train(
        TrainConfig(
            pairs="en-de",
            data=str(corpus),
            output=str(tmp_path / "tuned"),
            model=minilm_path,
            epochs=1,
            batch_size=6,
            mini_batch_size=2,
            max_seq_length=16,
            margin=0.2,
        )
    )
    assert result.train_pairs == 6  # the four repeats were deduplicated
    tuned = SentenceTransformer(str(tmp_path / "tuned"), device="cpu")
    assert tuned.max_seq_length == 16
    assert encode_texts(tuned, ["I like apples."]).shape == (1, 384)
    # The word embeddings are frozen by default: unchanged after training, while the layers moved.
    before = SentenceTransformer(minilm_path, device="cpu")[0].auto_model.state_dict()
    after = tuned[0].auto_model.state_dict()
    words = "embeddings.word_embeddings.weight"
    assert torch.equal(before[words], after[words])
    query = "encoder.layer.0.attention.self.query.weight"
    assert not torch.equal(before[query], after[query])
