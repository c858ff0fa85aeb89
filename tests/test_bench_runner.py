"""The benchmark shape: a new task plugs into the runner unchanged; precomputed embeddings score too."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from align.bench.runner import model_labels, run_benchmarks
from align.bench.task import Task, TaskMetadata
from align.embedding import Embedder, PrecomputedEmbeddings
from align.encode import encode_texts, load_encoder
from align.errors import AlignError
from tests.conftest import COMPOSED


@dataclass(frozen=True)
class SelfSimilarity:
    cosine: float

    @property
    def main_score(self) -> float:
        return self.cosine

    def to_json(self) -> dict[str, Any]:
        return {"cosine": self.cosine}

    def rows(self) -> list[tuple[str, list[str]]]:
        return [("en-zh", [f"{self.cosine:.3f}"])]


class TranslationCosine(Task):
    """A toy task, written the way docs/benchmarks.md says: metadata plus an evaluation."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs
        self.metadata = TaskMetadata(
            name="translation-cosine",
            description="mean cosine of a sentence and its translation",
            data="in-memory",
            languages=("en", "zh"),
            main_score="cosine",
            row_header="pair",
            columns=("cosine",),
        )

    def evaluate(self, embed: Embedder, cache=None) -> SelfSimilarity:
        source = embed([s for s, _ in self.pairs])
        target = embed([t for _, t in self.pairs])
        return SelfSimilarity(float(np.mean(np.sum(source * target, axis=1))))


def test_a_new_task_runs_over_a_model_and_precomputed_embeddings(
    tiny_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pairs = COMPOSED[:20]
    texts = [s for s, _ in pairs] + [t for _, t in pairs]
    model = load_encoder(str(tiny_model))
    (tmp_path / "texts.txt").write_text("".join(f"{t}\n" for t in texts), encoding="utf-8")
    np.save(tmp_path / "vectors.npy", encode_texts(model, texts))
    precomputed = PrecomputedEmbeddings.from_files(
        [(tmp_path / "texts.txt", tmp_path / "vectors.npy")], "laser"
    )
    [run] = run_benchmarks([TranslationCosine(pairs)], [str(tiny_model), precomputed], use_cache=False)
    assert "Model 1/2: " in (err := capsys.readouterr().err) and "Model 2/2: laser" in err
    scores = [result.main_score for result in run.results.values()]
    assert scores[0] == pytest.approx(scores[1], abs=1e-5) and scores[0] > 0.5
    table = run.markdown().splitlines()
    assert table[0] == "| model | pair | cosine |" and table[-1].startswith("| laser | en-zh | ")
    run.write(output=tmp_path / "report.json")
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["task"] == "translation-cosine" and [m["model"] for m in report["models"]][1] == "laser"
    assert report["settings"]["models"] == [str(tiny_model), "laser"]
    with pytest.raises(AlignError, match="has no plot"):
        run.write(plot=tmp_path / "p.png")
    with pytest.raises(AlignError, match="no precomputed embedding"):
        precomputed(["a sentence it never saw"])


def test_model_labels_are_short_unless_they_collide(tmp_path: Path) -> None:
    first, second = tmp_path / "x" / "a" / "m", tmp_path / "y" / "a" / "m"
    first.mkdir(parents=True)
    second.mkdir(parents=True)
    assert model_labels([str(first), "hub/name"]) == ["a/m", "hub/name"]
    assert model_labels([str(first), str(second)]) == [str(first), str(second)]


def test_a_long_encoding_shows_a_bar_and_the_same_vectors(
    tiny_model: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import align.bench.runner as runner

    model = load_encoder(str(tiny_model))
    texts = [text for pair in COMPOSED for text in pair]  # 240
    monkeypatch.setattr(runner, "STATIC_PROGRESS_FROM", 100)
    embed = runner.bench_embedder(model, "tiny", batch_size=16)
    embed(texts[:20])
    assert "Batches" not in capsys.readouterr().err  # under the threshold: no bar
    vectors = embed(texts)
    assert "Batches: 100%" in capsys.readouterr().err  # sentence-transformers' own bar
    assert np.array_equal(vectors, encode_texts(model, texts, batch_size=16))
