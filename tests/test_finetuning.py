"""What makes fine-tuning practical on a CPU: frozen embeddings, prompts, length-grouped batches,
and watch sets for forgetting."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from datasets import Dataset
from sentence_transformers import SentenceTransformer

from align.errors import AlignError, InputFormatError
from align.training.evaluation import build_evaluator, read_parallel_files, retrieval_scores
from align.training.pretrained import choose_prompt, freeze_word_embeddings
from align.training.sampler import LengthGroupedBatchSampler
from tests.conftest import COMPOSED


def test_frozen_word_embeddings_do_not_move_in_an_optimiser_step(minilm_path: str) -> None:
    model = SentenceTransformer(minilm_path, device="cpu")
    frozen = freeze_word_embeddings(model)
    words = model[0].auto_model.get_input_embeddings().weight
    assert frozen == words.numel() == 30522 * 384
    before = words.detach().clone()
    layer = model[0].auto_model.encoder.layer[0].attention.self.query.weight
    layer_before = layer.detach().clone()
    optimiser = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    features = model.preprocess(["I like apples.", "Ich mag Äpfel."])
    model(features)["sentence_embedding"].pow(2).sum().backward()
    optimiser.step()
    assert words.grad is None
    assert torch.equal(words, before)
    assert not torch.equal(layer, layer_before)


def test_prompt_choice(minilm_path: str) -> None:
    model = SentenceTransformer(minilm_path, device="cpu")
    model.prompts = {"query": "query: ", "passage": "passage: "}
    model.default_prompt_name = None
    assert choose_prompt(model, None) == "query"  # e5's symmetric prompt, when the model has no default
    assert choose_prompt(model, "passage") == "passage"
    assert choose_prompt(model, "") is None
    model.default_prompt_name = "passage"
    assert choose_prompt(model, None) == "passage"
    with pytest.raises(AlignError, match="passage, query"):
        choose_prompt(model, "document")
    model.prompts = {}
    model.default_prompt_name = None
    assert choose_prompt(model, None) is None


def _pair_dataset(pairs: list[tuple[str, str]]) -> Dataset:
    return Dataset.from_dict({"source": [s for s, _ in pairs], "target": [t for _, t in pairs]})


def test_length_grouped_batches_cover_every_pair_once_without_repeated_sentences() -> None:
    pairs = [(f"{'word ' * (i % 17)}sentence {i}", f"句子{i}" + "字" * (i % 13)) for i in range(300)]
    pairs += [("Hello.", "你好。")] * 5  # repeats: never twice in one batch
    sampler = LengthGroupedBatchSampler(_pair_dataset(pairs), batch_size=16, drop_last=False, seed=1)
    batches = list(sampler)
    flat = [index for batch in batches for index in batch]
    assert sorted(flat) == list(range(len(pairs)))
    for batch in batches:
        texts = [pairs[i][0] for i in batch] + [pairs[i][1] for i in batch]
        assert len(texts) == len(set(texts))
    # Batches are far more uniform in length than a random split of the same pairs.
    lengths = sampler.lengths

    def mean_spread(groups: list[list[int]]) -> float:
        return sum(max(lengths[i] for i in g) - min(lengths[i] for i in g) for g in groups) / len(groups)

    shuffled = torch.randperm(len(pairs), generator=torch.Generator().manual_seed(0)).tolist()
    random_batches = [shuffled[i : i + 16] for i in range(0, len(shuffled), 16)]
    assert mean_spread(batches) < mean_spread(random_batches) / 3


def test_length_grouped_batches_change_with_the_epoch_and_drop_the_incomplete_one() -> None:
    pairs = [(f"source {i} " + "x" * i, f"target {i}") for i in range(100)]
    sampler = LengthGroupedBatchSampler(_pair_dataset(pairs), batch_size=8, drop_last=True, seed=1)
    first = list(sampler)
    sampler.set_epoch(1)
    second = list(sampler)
    assert first != second
    assert all(len(batch) == 8 for batch in first) and len(first) == len(sampler) == 12


def test_watch_sets_are_read_line_aligned_and_scored(tmp_path: Path, minilm_path: str) -> None:
    english, german = tmp_path / "dev.eng", tmp_path / "dev.deu"
    english.write_text("I like apples.\nWe see cats.\nThey want tea.\n", encoding="utf-8")
    german.write_text("Ich mag Äpfel.\nWir sehen Katzen.\nSie wollen Tee.\n", encoding="utf-8")
    name, sources, targets = read_parallel_files(f"{german},{english}")
    assert name == "deu-eng" and sources[1] == "Wir sehen Katzen." and targets[2] == "They want tea."
    model = SentenceTransformer(minilm_path, device="cpu")
    dev = ([en for en, _ in COMPOSED[:4]], [zh for _, zh in COMPOSED[:4]])
    evaluator = build_evaluator({"en-zh": dev}, (f"{german},{english}",))
    dev_scores, scores = retrieval_scores(evaluator, model)
    assert set(dev_scores) == {"dev"} and set(scores) == {"deu-eng"}
    assert scores["deu-eng"]["mean"] == pytest.approx(
        (scores["deu-eng"]["src2trg"] + scores["deu-eng"]["trg2src"]) / 2, abs=0.01
    )


def test_watch_set_errors_name_the_file(tmp_path: Path) -> None:
    short, long = tmp_path / "a.txt", tmp_path / "b.txt"
    short.write_text("one\n", encoding="utf-8")
    long.write_text("eins\nzwei\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"b\.txt"):
        read_parallel_files(f"{short},{long}")
    with pytest.raises(AlignError, match="SOURCE_FILE,TARGET_FILE"):
        read_parallel_files(str(short))
    blank = tmp_path / "c.txt"
    blank.write_text("\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"c\.txt:1"):
        read_parallel_files(f"{short},{blank}")


def test_several_dev_pairs_are_scored_apart_and_count_once_beside_a_watch_set(
    tmp_path: Path, minilm_path: str
) -> None:
    english, german = tmp_path / "dev.eng", tmp_path / "dev.deu"
    english.write_text("I like apples.\nWe see cats.\nThey want tea.\n", encoding="utf-8")
    german.write_text("Ich mag Äpfel.\nWir sehen Katzen.\nSie wollen Tee.\n", encoding="utf-8")
    model = SentenceTransformer(minilm_path, device="cpu")
    dev = {"en-zh": ([en for en, _ in COMPOSED[:4]], [zh for _, zh in COMPOSED[:4]])}
    dev["en-xx"] = (["a b", "c d", "e f"], ["a b", "c d", "e f"])  # identical sides: retrieval is exact
    evaluator = build_evaluator(dev, (f"{german},{english}",))
    by_pair, watch = retrieval_scores(evaluator, model)
    assert set(by_pair) == {"en-zh", "en-xx"} and by_pair["en-xx"]["mean"] == 100.0
    metrics = evaluator(model)
    dev_mean = (by_pair["en-zh"]["mean"] + by_pair["en-xx"]["mean"]) / 2
    expected = (dev_mean + watch["deu-eng"]["mean"]) / 2  # the dev pairs' mean counts once
    assert 100 * metrics["sequential_score"] == pytest.approx(expected, abs=0.02)
