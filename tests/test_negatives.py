"""Hard negatives: the margin-best targets of each pair that are not its translation, checked
against a brute-force computation, and align mine-negatives' file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from align.mining.negatives import hard_negatives, text_groups
from tests.conftest import COMPOSED


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def _brute_force(source: np.ndarray, target: np.ndarray, count: int, k: int, groups, relative: float):
    cosines = source @ target.T
    source_mean = np.sort(cosines, axis=1)[:, ::-1][:, :k].mean(axis=1)
    target_mean = np.sort(cosines.T, axis=1)[:, ::-1][:, :k].mean(axis=1)
    scores = cosines / ((source_mean[:, None] + target_mean[None, :]) / 2)
    expected = []
    for row in range(len(source)):
        allowed = [
            column
            for column in range(len(target))
            if column != row
            and all(labels[column] != labels[row] for labels in groups)
            and scores[row, column] < scores[row, row] * (1 - relative)
        ]
        expected.append(sorted(allowed, key=lambda column: -scores[row, column])[:count])
    return expected


def test_hard_negatives_are_the_margin_best_non_translations() -> None:
    rng = np.random.default_rng(4)
    source = _unit(rng.normal(size=(10, 16)))
    target = _unit(source + 0.3 * rng.normal(size=(10, 16)))
    target[2] = _unit(source[2:3] + 0.1 * rng.normal(size=(1, 16)))[0]  # a close translation
    target[3] = _unit(source[2:3] + 0.5 * rng.normal(size=(1, 16)))[0]  # and a near-translation of it
    labels = np.array([0, 0, 1, 2, 3, 4, 5, 6, 7, 8])  # rows 0 and 1: copies of one sentence
    chosen, scores = hard_negatives(source, target, 3, groups=(labels,), factory="Flat")
    expected = _brute_force(source, target, 3, 4, (labels,), 0.05)
    for row in range(10):
        assert [column for column in chosen[row].tolist() if column >= 0] == expected[row]
    assert 1 not in chosen[0] and 0 not in chosen[1]  # a copy is not a negative
    assert 3 in chosen[2]  # the near-translation is among its hardest
    found = chosen >= 0
    assert np.all(np.isnan(scores[~found]))
    for row in range(10):  # best first
        assert np.all(np.diff(scores[row][found[row]]) <= 0)


def test_text_groups_label_copies_alike() -> None:
    labels = text_groups(["I like tea.", "i  like TEA.", "I like cats."])
    assert labels[0] == labels[1] != labels[2]


def test_align_mine_negatives_writes_sentence_transformers_n_tuples(tiny_model: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from align.cli import app

    pairs = [*COMPOSED[:40], COMPOSED[0]]  # one pair twice: never its own negative
    (tmp_path / "b.en").write_text("".join(f"{en}\n" for en, _ in pairs), encoding="utf-8")
    (tmp_path / "b.zh").write_text("".join(f"{zh}\n" for _, zh in pairs), encoding="utf-8")
    output = tmp_path / "negatives.tsv"
    command = ["mine-negatives", "--src", str(tmp_path / "b.en"), "--tgt", str(tmp_path / "b.zh")]
    result = CliRunner().invoke(
        app, [*command, "--model", str(tiny_model), "--negatives", "2", "-o", str(output)]
    )
    assert result.exit_code == 0, result.output
    assert "with their hard negatives" in result.output
    lines = output.read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == ["anchor", "positive", "negative_1", "negative_2"]
    rows = [line.split("\t") for line in lines[1:]]
    assert len(rows) >= 35
    translation = dict(pairs)
    for anchor, positive, *negatives in rows:
        assert translation[anchor] == positive and positive not in negatives and len(set(negatives)) == 2
    again = CliRunner().invoke(app, [*command, "--model", str(tiny_model), "-o", str(output)])
    assert again.exit_code != 0 and "--force" in again.output  # no overwrite without --force


def test_hard_negatives_come_from_the_pairs_own_language_pair_and_resolve_at_read_time(
    tiny_model: Path, tmp_path: Path
) -> None:
    import datasets

    from align.embedding import load_embedder
    from align.training.negatives import HardNegatives

    half = len(COMPOSED) // 2
    pairs = datasets.Dataset.from_dict(
        {
            "source": [en for en, _ in COMPOSED],
            "target": [zh for _, zh in COMPOSED],
            "pair": ["en-zh"] * half + ["en-ja"] * (len(COMPOSED) - half),
        }
    )
    negatives = HardNegatives(pairs, 2, tmp_path, seed=1)
    negatives.mine(load_embedder(tiny_model))
    assert (tmp_path / "hard-negatives-2.npy").is_file()  # kept: a resumed run reads it back
    chosen = negatives.chosen
    assert chosen.shape == (len(COMPOSED), 2) and (chosen >= 0).all()
    same_pair = (chosen < half) == (np.arange(len(COMPOSED)) < half)[:, None]
    assert same_pair.all()  # never a negative from another language pair
    attached = negatives.attach(pairs)
    assert attached.column_names == ["source", "target", "pair", "row"]  # row numbers, not texts
    first = attached[0]
    assert list(first) == ["source", "target", "pair", "negative_1", "negative_2"]
    assert first["negative_1"] == COMPOSED[chosen[0, 0]][1] and first["target"] not in (
        first["negative_1"],
        first["negative_2"],
    )
    negatives.chosen = chosen[:, ::-1].copy()  # a refresh: the next read sees the new choice
    assert attached[0]["negative_1"] == COMPOSED[chosen[0, 1]][1]


def test_pairs_without_enough_candidates_get_random_targets_never_their_own() -> None:
    from align.training.negatives import _fill_at_random

    chosen = np.full((7, 3), -1, dtype=np.int64)
    chosen[0] = [2, -1, -1]
    groups = [np.arange(5), np.array([5]), np.array([6])]
    _fill_at_random(chosen, groups, np.random.default_rng(0))
    assert (chosen >= 0).all() and chosen[0, 0] == 2
    assert all(row not in chosen[row] for row in range(7))
    assert (chosen[:5] < 5).all()  # from the pair's own language pair where it has others


def test_pairs_sharing_one_hard_negative_still_fill_their_batches() -> None:
    import datasets

    from align.training.negatives import HardNegatives
    from align.training.sampler import LengthGroupedBatchSampler, UniqueTextsBatchSampler

    rows = 64
    pairs = datasets.Dataset.from_dict(
        {
            "source": [f"source {row}" for row in range(rows)],
            "target": [f"target {row}" for row in range(rows)],
        }
    )
    negatives = HardNegatives(pairs, 1, Path("unused"), seed=0)
    # a "hub": every pair's negative is row 0's target (and row 0's is row 1's)
    negatives.chosen = np.where(np.arange(rows) == 0, 1, 0)[:, None]
    for kind in (UniqueTextsBatchSampler, LengthGroupedBatchSampler):
        batches = list(kind(negatives.attach(pairs), batch_size=8, drop_last=True))
        assert len(batches) == rows // 8 and sorted(row for batch in batches for row in batch) == list(
            range(rows)
        )


def _ranking_by_hand(source, target, negatives, scale: float, margin: float):
    """The symmetric translation ranking loss pair by pair, each source's candidates being every
    target and every negative that is not a copy of its own target."""
    import torch
    import torch.nn.functional as F

    source, target, negatives = (F.normalize(rows, dim=-1) for rows in (source, target, negatives))
    forward = []
    for row in range(len(source)):
        kept = [negative for negative in negatives if not torch.allclose(negative, target[row])]
        candidates = torch.stack([*target, *kept])
        logits = candidates @ source[row]
        logits[row] -= margin
        forward.append(-F.log_softmax(scale * logits, dim=0)[row])
    backward = target @ source.T - margin * torch.eye(len(source))
    backward = F.cross_entropy(scale * backward, torch.arange(len(source)))
    return (torch.stack(forward).mean() + backward) / 2


def test_a_hard_negative_copying_a_pairs_own_target_is_left_out_of_its_candidates() -> None:
    import torch

    from align.training.losses import translation_ranking_loss

    generator = torch.Generator().manual_seed(0)
    target = torch.randn(6, 16, generator=generator)
    source = target + 0.1 * torch.randn(6, 16, generator=generator)  # translations: near their targets
    negatives = torch.randn(6, 16, generator=generator)
    negatives[2] = target[4]  # pair 2's hard negative is pair 4's target: a false negative for pair 4
    negatives[5] = target[0]
    settings = {"scale": 20.0, "margin": 0.3}
    found = translation_ranking_loss(source, target, negatives=[negatives], symmetric=True, **settings)
    assert torch.allclose(found, _ranking_by_hand(source, target, negatives, **settings), atol=1e-5)
    unmasked = _ranking_by_hand(source, target, negatives + 1e-3, **settings)  # no copy: all count
    assert unmasked > found + 0.05  # a copy of the own target as a negative: about log 2 for its pair


def test_align_train_with_hard_negatives_trains_on_them_and_refreshes_them_each_epoch(
    tiny_model: Path, tmp_path: Path, monkeypatch
) -> None:
    import pytest

    from align.errors import AlignError
    from align.training import TrainConfig, train
    from align.training.negatives import HardNegatives
    from tests.conftest import write_moses

    data = write_moses(tmp_path / "corpus", COMPOSED)
    settings = {"pairs": "en-zh", "data": str(data), "epochs": 3, "batch_size": 16, "embedding_dim": 16}
    with pytest.raises(AlignError, match="nothing to mine them with"):
        train(TrainConfig(output=str(tmp_path / "none"), hard_negatives=1, **settings))
    mined: list[tuple[int, np.ndarray]] = []
    mine = HardNegatives.mine

    def recorded(self: HardNegatives, miner, epoch: int = 0) -> None:
        mine(self, miner, epoch)
        mined.append((epoch, self.chosen.copy()))

    monkeypatch.setattr(HardNegatives, "mine", recorded)
    for refresh, epochs in (("once", [0]), ("epoch", [0, 1, 2])):
        mined.clear()
        config = TrainConfig(
            output=str(tmp_path / refresh),
            hard_negatives=2,
            negatives_model=str(tiny_model),
            refresh_negatives=refresh,
            dev_size=12,
            **settings,
        )
        result = train(config)
        assert result.losses and (tmp_path / refresh / "model.safetensors").is_file()
        assert [epoch for epoch, _ in mined] == epochs
    # Later epochs are mined by the model being trained, not by --negatives-model.
    assert any((chosen != mined[0][1]).any() for _, chosen in mined[1:])


def test_a_fine_tuned_model_mines_its_own_hard_negatives_before_training(
    minilm_path: str, tmp_path: Path
) -> None:
    import json

    from align.training import TrainConfig, train
    from tests.conftest import write_moses

    data = write_moses(tmp_path / "corpus", COMPOSED)
    config = TrainConfig(
        pairs="en-zh",
        data=str(data),
        output=str(tmp_path / "model"),
        model=minilm_path,
        hard_negatives=1,
        epochs=1,
        batch_size=16,
        dev_size=12,
    )
    result = train(config)
    assert result.losses and all(loss == loss for loss in result.losses)
    recorded = json.loads((tmp_path / "model" / "align_training.json").read_text(encoding="utf-8"))
    # No batch holds a text twice, hard negatives included (one pair's negative may be another's
    # target, a false negative for it): on this repetitive corpus a batch may be left unfilled.
    assert recorded["config"]["hard_negatives"] == 1 and 0 < recorded["steps"] <= (len(COMPOSED) - 12) // 16
