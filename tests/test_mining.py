"""Margin scores against hand-computed values, and each candidate mode against a naive reference."""

from __future__ import annotations

import numpy as np
import pytest

from align.errors import AlignError
from align.mining import MiningConfig, mine

# cos(x_i, y_j): [[1, 0], [0.6, 0.8]]
SOURCE = np.array([[1.0, 0.0], [0.6, 0.8]], dtype=np.float32)
TARGET = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)


def test_ratio_margin_by_hand() -> None:
    # With k = 2 every sentence's neighbourhood is the whole other side:
    # mean sims: x0 0.5, x1 0.7; y0 0.8, y1 0.4.
    # score(x0, y0) = 1 / ((0.5 + 0.8) / 2) = 1.5385; score(x1, y1) = 0.8 / ((0.7 + 0.4) / 2) = 1.4545
    pairs = mine(SOURCE, TARGET, MiningConfig(k=2, margin="ratio", mode="max", factory="Flat"))
    assert list(zip(pairs.source_ids, pairs.target_ids, strict=True)) == [(0, 0), (1, 1)]
    np.testing.assert_allclose(pairs.scores, [1 / 0.65, 0.8 / 0.55], rtol=1e-5)


def test_distance_and_absolute_margins_by_hand() -> None:
    distance = mine(SOURCE, TARGET, MiningConfig(k=2, margin="distance", factory="Flat"))
    np.testing.assert_allclose(distance.scores, [1 - 0.65, 0.8 - 0.55], rtol=1e-5)
    absolute = mine(SOURCE, TARGET, MiningConfig(k=2, margin="absolute", factory="Flat"))
    np.testing.assert_allclose(absolute.scores, [1.0, 0.8], rtol=1e-5)


def test_threshold_keeps_pairs_at_or_above_it() -> None:
    pairs = mine(SOURCE, TARGET, MiningConfig(k=2, threshold=1.5, factory="Flat"))
    assert list(pairs.source_ids) == [0]


def reference_mining(source: np.ndarray, target: np.ndarray, k: int, mode: str) -> set[tuple[int, int]]:
    """Mining written as plainly as possible: full matrices and loops."""
    similarity = source @ target.T
    source_mean = np.sort(similarity, axis=1)[:, ::-1][:, :k].mean(axis=1)
    target_mean = np.sort(similarity.T, axis=1)[:, ::-1][:, :k].mean(axis=1)
    score = similarity / ((source_mean[:, None] + target_mean[None, :]) / 2)

    def candidates(i: int, forward: bool) -> list[int]:
        row = similarity[i] if forward else similarity[:, i]
        return list(np.argsort(-row)[:k])

    forward = {i: max(candidates(i, True), key=lambda j: score[i, j]) for i in range(len(source))}
    backward = {j: max(candidates(j, False), key=lambda i: score[i, j]) for j in range(len(target))}
    if mode == "forward":
        return {(i, j) for i, j in forward.items()}
    if mode == "backward":
        return {(i, j) for j, i in backward.items()}
    if mode == "intersect":
        return {(i, j) for i, j in forward.items() if backward[j] == i}
    pool = sorted(
        {(i, j) for i, j in forward.items()} | {(i, j) for j, i in backward.items()},
        key=lambda pair: -score[pair],
    )
    kept, used_i, used_j = set(), set(), set()
    for i, j in pool:
        if i not in used_i and j not in used_j:
            kept.add((i, j))
            used_i.add(i)
            used_j.add(j)
    return kept


@pytest.mark.parametrize("mode", ["forward", "backward", "intersect", "max"])
def test_each_mode_matches_the_reference(mode: str) -> None:
    rng = np.random.default_rng(7)
    source = rng.normal(size=(40, 16)).astype(np.float32)
    target = np.concatenate([source[:25] + 0.8 * rng.normal(size=(25, 16)), rng.normal(size=(10, 16))])
    source /= np.linalg.norm(source, axis=1, keepdims=True)
    target = (target / np.linalg.norm(target, axis=1, keepdims=True)).astype(np.float32)
    pairs = mine(source, target, MiningConfig(k=3, mode=mode, factory="Flat"))
    assert set(zip(pairs.source_ids.tolist(), pairs.target_ids.tolist(), strict=True)) == reference_mining(
        source, target, 3, mode
    )
    assert np.all(np.diff(pairs.scores) <= 0)  # best first


def test_max_mode_uses_each_sentence_once() -> None:
    rng = np.random.default_rng(0)
    source = rng.normal(size=(30, 8)).astype(np.float32)
    target = rng.normal(size=(20, 8)).astype(np.float32)
    source /= np.linalg.norm(source, axis=1, keepdims=True)
    target /= np.linalg.norm(target, axis=1, keepdims=True)
    pairs = mine(source, target, MiningConfig(k=4, mode="max", factory="Flat"))
    assert len(set(pairs.source_ids.tolist())) == len(pairs) == len(set(pairs.target_ids.tolist()))


def test_bad_embeddings_are_clear_errors() -> None:
    with pytest.raises(
        AlignError, match="target embeddings have dimension 3 but the index holds dimension 2"
    ):
        mine(SOURCE, np.ones((2, 3), dtype=np.float32))
    with pytest.raises(AlignError, match="non-empty"):
        mine(np.zeros((0, 2), dtype=np.float32), TARGET)
    with pytest.raises(AlignError, match="NaN"):
        mine(np.array([[np.nan, 0]], dtype=np.float32), TARGET)
    with pytest.raises(AlignError, match="source embeddings are not L2-normalised"):
        mine(SOURCE * 2, TARGET)
    with pytest.raises(AlignError, match="unknown candidate mode"):
        mine(SOURCE, TARGET, MiningConfig(mode="union"))  # type: ignore[arg-type]


def test_calibration_picks_the_threshold_with_the_best_f1() -> None:
    from align.mining import MinedPairs, calibrate_threshold, precision_recall_f1

    # Scores best first; pairs 0, 1, 3 are gold, pair 2 is wrong; a fifth gold pair was never mined.
    pairs = MinedPairs(
        np.array([0, 1, 2, 3, 4]), np.array([0, 1, 5, 3, 7]), np.array([1.9, 1.5, 1.3, 1.2, 1.0])
    )
    gold = {(0, 0), (1, 1), (3, 3), (9, 9)}
    # Cutting after 2 pairs: P 100, R 50, F1 66.7; after 4: P 75, R 75, F1 75; after 5: P 60, R 75, F1 66.7.
    calibration = calibrate_threshold(pairs, gold)
    assert calibration.threshold == 1.2 and calibration.mined == 4
    assert calibration.precision == pytest.approx(75) and calibration.recall == pytest.approx(75)
    assert calibration.f1 == pytest.approx(75)
    assert precision_recall_f1(pairs.above(1.2), gold) == pytest.approx((75, 75, 75))


def test_calibration_never_splits_tied_scores() -> None:
    from align.mining import MinedPairs, calibrate_threshold

    pairs = MinedPairs(np.array([0, 1, 2]), np.array([0, 9, 2]), np.array([1.5, 1.2, 1.2]))
    calibration = calibrate_threshold(pairs, {(0, 0), (2, 2)})
    assert calibration.mined == 3  # F1 80 beats 66.7 after one pair; never 2, as pairs 1 and 2 tie


def test_reverse_neighbours_merge_by_hand() -> None:
    from align.mining.margin import Neighbours, with_reverse_neighbours

    # source 0 found targets 2 and 1; source 1 found target 0 only twice over (-1: missing)
    forward = Neighbours(np.array([[2, 1], [0, -1]]), np.array([[0.9, 0.5], [0.7, -1e30]], dtype=np.float32))
    # target 0 found source 1; target 1 found source 1 (0.6), which source 1's search missed
    backward = Neighbours(
        np.array([[1, 0], [1, 0], [0, 1]]), np.array([[0.7, 0.1], [0.6, 0.5], [0.9, 0.2]], dtype=np.float32)
    )
    merged = with_reverse_neighbours(forward, backward)
    assert merged.ids.tolist() == [[2, 1], [0, 1]]  # source 1 gains target 1, found the other way
    assert np.allclose(merged.cosines, [[0.9, 0.5], [0.7, 0.6]])
    assert with_reverse_neighbours(backward, forward).ids.tolist() == [[1, 0], [1, 0], [0, 1]]


def test_reverse_neighbours_change_nothing_exact_and_recover_approximate_misses() -> None:
    from align.mining.margin import nearest, with_reverse_neighbours

    rng = np.random.default_rng(3)
    source = rng.normal(size=(2_000, 16)).astype(np.float32)
    target = source + 0.6 * rng.normal(size=source.shape).astype(np.float32)
    source /= np.linalg.norm(source, axis=1, keepdims=True)
    target /= np.linalg.norm(target, axis=1, keepdims=True)
    plain, merged = MiningConfig(factory="Flat", reverse_neighbours=False), MiningConfig(factory="Flat")
    a, b = mine(source, target, plain), mine(source, target, merged)
    assert np.array_equal(a.source_ids, b.source_ids) and np.allclose(a.scores, b.scores)

    def recall(found: np.ndarray, truth: np.ndarray) -> float:
        return float(np.mean([len(set(f) & set(t)) for f, t in zip(found, truth, strict=True)]))

    exact = nearest(target, source, 4, factory="Flat")
    forward = nearest(source, target, 4, factory="IVF64,Flat", nprobe=1)
    backward = nearest(target, source, 4, factory="IVF64,Flat", nprobe=1)
    assert recall(with_reverse_neighbours(backward, forward).ids, exact.ids) > recall(backward.ids, exact.ids)
