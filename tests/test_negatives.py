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


def test_align_train_with_hard_negatives_mines_them_once_and_trains_on_them(
    tiny_model: Path, tmp_path: Path
) -> None:
    import datasets
    import pytest

    from align.embedding import load_embedder
    from align.errors import AlignError
    from align.training import TrainConfig, train
    from align.training.negatives import add_hard_negatives
    from tests.conftest import write_moses

    pairs = datasets.Dataset.from_dict(
        {"source": [en for en, _ in COMPOSED], "target": [zh for _, zh in COMPOSED]}
    )
    with_negatives = add_hard_negatives(pairs, 2, load_embedder(tiny_model), tmp_path, seed=1)
    assert with_negatives.column_names == ["source", "target", "negative_1", "negative_2"]
    for row in with_negatives:
        assert row["target"] not in (row["negative_1"], row["negative_2"])
    assert (tmp_path / "hard-negatives-2.npy").is_file()  # kept: a resumed run reads it back

    data = write_moses(tmp_path / "corpus", COMPOSED)
    settings = {"pairs": "en-zh", "data": str(data), "epochs": 2, "batch_size": 16, "embedding_dim": 16}
    with pytest.raises(AlignError, match="nothing to mine them with"):
        train(TrainConfig(output=str(tmp_path / "none"), hard_negatives=1, **settings))
    config = TrainConfig(
        output=str(tmp_path / "model"),
        hard_negatives=2,
        negatives_model=str(tiny_model),
        dev_size=12,
        **settings,
    )
    result = train(config)
    assert result.losses and (tmp_path / "model" / "model.safetensors").is_file()


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
