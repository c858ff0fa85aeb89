"""Many language pairs in one run: temperature sampling, batch composition, per-pair dev scores."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from datasets import Dataset
from sentence_transformers import SentenceTransformer

from align.encode import encode_texts
from align.training import DistillConfig, TrainConfig, distill, train
from align.training.sampler import LanguageBalancedBatchSampler, epoch_draws, temperature_shares
from tests.conftest import COMPOSED, write_moses


def test_temperature_shares_follow_size_to_the_alpha() -> None:
    sizes = {"en-de": 900, "en-zh": 100}
    assert temperature_shares(sizes, 1.0) == pytest.approx({"en-de": 0.9, "en-zh": 0.1})
    assert temperature_shares(sizes, 0.0) == pytest.approx({"en-de": 0.5, "en-zh": 0.5})
    half = temperature_shares(sizes, 0.5)  # √900 : √100 = 30 : 10
    assert half == pytest.approx({"en-de": 0.75, "en-zh": 0.25})
    draws = epoch_draws({"a": 9000, "b": 900, "c": 9}, 0.3, 1000)
    assert sum(draws.values()) == 1000 and draws["a"] > draws["b"] > draws["c"] >= 1


def _toy(sizes: dict[str, int]) -> tuple[Dataset, list[str]]:
    rows = [(f"{key} source {i}", f"{key} target {i}", key) for key, n in sizes.items() for i in range(n)]
    return Dataset.from_dict({"source": [r[0] for r in rows], "target": [r[1] for r in rows]}), [
        r[2] for r in rows
    ]


@pytest.mark.parametrize("alpha", [1.0, 0.5, 0.0])
def test_an_epoch_draws_each_pair_in_its_tempered_share(alpha: float) -> None:
    dataset, pairs = _toy({"en-de": 1600, "en-zh": 400})
    sampler = LanguageBalancedBatchSampler(dataset, 20, True, pairs=pairs, alpha=alpha, seed=1)
    drawn = Counter(pairs[i] for batch in sampler for i in batch)
    expected = temperature_shares({"en-de": 1600, "en-zh": 400}, alpha)
    assert sum(drawn.values()) == 2000 == 20 * len(sampler)
    assert drawn["en-zh"] / 2000 == pytest.approx(expected["en-zh"], abs=0.01)
    # a small pair drawn more often than it has rows is repeated whole before any row a third time
    if alpha == 0.0:
        repeats = Counter(i for batch in sampler for i in batch if pairs[i] == "en-zh")
        assert max(repeats.values()) - min(repeats.values()) <= 1


def test_single_pair_batches_hold_one_pair_and_never_repeat_a_text() -> None:
    dataset, pairs = _toy({"en-de": 300, "en-zh": 200, "en-fr": 5})
    sampler = LanguageBalancedBatchSampler(
        dataset, 16, True, pairs=pairs, alpha=0.3, single_pair_batches=True, seed=2
    )
    batches = list(sampler)
    assert len(batches) == len(sampler) and all(len(b) == 16 for b in batches)
    kinds = Counter(frozenset(pairs[i] for i in batch) - {"en-fr"} for batch in batches)
    # en-fr has fewer rows than a batch: its draws join the others' batches, which hold one pair each
    assert set(kinds) == {frozenset({"en-de"}), frozenset({"en-zh"})}
    assert sum(pairs[i] == "en-fr" for batch in batches for i in batch) > 5
    assert all(len(set(batch)) == len(batch) for batch in batches)
    mixed = LanguageBalancedBatchSampler(dataset, 16, True, pairs=pairs, alpha=0.3, seed=2)
    assert max(len({pairs[i] for i in batch}) for batch in mixed) > 1
    assert list(mixed) == list(
        LanguageBalancedBatchSampler(dataset, 16, True, pairs=pairs, alpha=0.3, seed=2)
    )


GERMAN = [(en, f"{en} (de)") for en, _ in COMPOSED[:60]]


def _two_pairs(root: Path) -> Path:
    write_moses(root / "zh", COMPOSED)
    de = root / "de"
    de.mkdir(parents=True)
    (de / "toy.eng-deu.eng").write_text("".join(f"{en}\n" for en, _ in GERMAN), encoding="utf-8")
    (de / "toy.eng-deu.deu").write_text("".join(f"{d}\n" for _, d in GERMAN), encoding="utf-8")
    return root


@pytest.mark.slow
def test_en_star_trains_one_encoder_with_dev_scores_per_pair(tmp_path: Path) -> None:
    data = _two_pairs(tmp_path / "corpora")
    config = TrainConfig(
        pairs="en-*", data=str(data), output=str(tmp_path / "model"), epochs=4, batch_size=16,
        embedding_dim=32, dev_size=12, seed=3, pair_batches="mixed",
    )  # fmt: skip
    result = train(config)
    assert set(result.dev_by_pair) == {"en-de", "en-zh"}
    assert result.dev_scores["mean"] == pytest.approx(
        np.mean([s["mean"] for s in result.dev_by_pair.values()]), abs=0.01
    )
    record = json.loads((tmp_path / "model" / "align_training.json").read_text(encoding="utf-8"))
    assert set(record["dev_by_pair"]) == {"en-de", "en-zh"} and record["config"]["pair_batches"] == "mixed"
    assert any("mean of 2 language pairs" in line for line in result.summary_lines())
    card = (tmp_path / "model" / "README.md").read_text(encoding="utf-8")
    assert "- de" in card and "- zh" in card  # the card lists the languages found, not "*"


@pytest.mark.slow
def test_multilingual_distillation_student_reloads_in_plain_sentence_transformers(
    tmp_path: Path, minilm_path: str
) -> None:
    data = _two_pairs(tmp_path / "corpora")
    result = distill(
        DistillConfig(
            teacher=minilm_path, pairs="en-*", data=str(data), output=str(tmp_path / "student"),
            epochs=2, batch_size=16, dev_size=12, seed=1,
        )
    )  # fmt: skip
    assert set(result.dev_by_pair) == {"en-de", "en-zh"}
    student = SentenceTransformer(str(tmp_path / "student"), device="cpu")
    vectors = encode_texts(student, ["I like tea.", "我喜欢茶。", "I like tea. (de)"])
    assert vectors.shape == (3, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
