"""Tatoeba scoring: the metric by hand (ties, duplicates), the files, the resume cache, the report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from align.bench.cache import ResultCache
from align.bench.model_card import trained_languages
from align.bench.report import REPORT_SCHEMA_VERSION
from align.bench.runner import BenchmarkRun
from align.bench.tatoeba import (
    TatoebaResult,
    TatoebaScore,
    TatoebaTask,
    available_languages,
    load_tatoeba,
    resolve_languages,
    retrieval_accuracy,
)
from align.cli import app
from align.embedding import SentenceTransformerEmbedder
from align.encode import load_encoder
from align.errors import AlignError, InputFormatError
from tests.conftest import COMPOSED


def test_accuracy_by_hand_with_ties_going_to_the_first_candidate() -> None:
    queries = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])
    candidates = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])  # rows 1 and 2 are duplicates
    # query 0 → 0 (right); query 1 ties between 1 and 2 → 1 (right); query 2 → 1 or 2, tie → 1 (wrong)
    assert retrieval_accuracy(queries, candidates) == pytest.approx(200 / 3)
    # the reverse: candidate rows 0 and 1 find their queries; row 2 is nearest to query 1 (cos 1 > 0.8): wrong
    assert retrieval_accuracy(candidates, queries) == pytest.approx(200 / 3)


def test_error_rate_and_mean() -> None:
    score = TatoebaScore("cmn", xx_to_en=92.0, en_to_xx=90.0, pairs=1000)
    assert score.mean == 91.0 and score.error_rate == 8.0


def write_tatoeba(directory: Path, language: str, pairs: list[tuple[str, str]]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"tatoeba.{language}-eng.{language}").write_text(
        "".join(f"{x}\n" for _, x in pairs), "utf-8"
    )
    (directory / f"tatoeba.{language}-eng.eng").write_text("".join(f"{e}\n" for e, _ in pairs), "utf-8")


def test_languages_are_found_and_checked(tmp_path: Path) -> None:
    write_tatoeba(tmp_path, "cmn", COMPOSED[:5])
    write_tatoeba(tmp_path, "deu", [("Hi.", "Hallo.")])
    (tmp_path / "tatoeba.fra-eng.fra").write_text("Salut.\n", encoding="utf-8")  # no English side
    assert available_languages(tmp_path) == ["cmn", "deu"]
    assert resolve_languages("all", tmp_path) == ["cmn", "deu"]
    assert resolve_languages("deu, cmn", tmp_path) == ["deu", "cmn"]
    assert resolve_languages("zh,ger", tmp_path) == ["cmn", "deu"]  # any form, through the language table
    with pytest.raises(AlignError, match="no Tatoeba files for fra"):
        resolve_languages("cmn,fra", tmp_path)
    with pytest.raises(AlignError, match="no Tatoeba files"):
        resolve_languages("all", tmp_path / "nowhere")


def test_without_data_the_hub_is_used_and_offline_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    assert resolve_languages("cmn,deu", None) == ["cmn", "deu"]
    with pytest.raises(AlignError, match=r"mteb/tatoeba-bitext-mining.*offline, pass --data"):
        load_tatoeba(None, "cmn")
    with pytest.raises(AlignError, match="offline, pass --data"):
        resolve_languages("all", None)


def test_misaligned_files_name_both(tmp_path: Path) -> None:
    write_tatoeba(tmp_path, "cmn", COMPOSED[:5])
    (tmp_path / "tatoeba.cmn-eng.eng").write_text("one\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"tatoeba\.cmn-eng\.cmn: has 5 lines but .*eng has 1"):
        load_tatoeba(tmp_path, "cmn")


def test_cached_results_resume_a_run_and_retrained_models_get_a_new_key(
    tiny_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tatoeba(tmp_path / "data", "cmn", COMPOSED[:30])
    write_tatoeba(tmp_path / "data", "xyz", COMPOSED[30:60])
    model = load_encoder(str(tiny_model))
    embed = SentenceTransformerEmbedder(model, str(tiny_model))
    cache = ResultCache(tmp_path / "cache", embed)
    first = TatoebaTask(tmp_path / "data", "cmn").evaluate(embed, cache)

    import align.bench.tatoeba as tatoeba

    scored = []
    original = tatoeba.score_tatoeba
    monkeypatch.setattr(
        tatoeba, "score_tatoeba", lambda e, d, language: scored.append(language) or original(e, d, language)
    )
    capsys.readouterr()
    again = TatoebaTask(tmp_path / "data", "all").evaluate(embed, cache)
    assert scored == ["xyz"]  # cmn came from the cache
    assert "Tatoeba" in (err := capsys.readouterr().err) and "2/2" in err and ", xyz]" in err  # named
    assert again.scores[0] == first.scores[0]

    import torch

    with torch.no_grad():
        model[0].embedding.weight.mul_(-1)
    assert ResultCache(tmp_path / "cache", embed).directory != cache.directory


def test_report_json_schema_and_markdown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tatoeba(tmp_path, "cmn", COMPOSED[:5])
    write_tatoeba(tmp_path, "deu", [("Hi.", "Hallo.")])
    run = BenchmarkRun(TatoebaTask(tmp_path, "all"), ["a", "b"], seconds=1.23)
    run.results = {
        "a": TatoebaResult([TatoebaScore("cmn", 90.0, 80.0, 1000), TatoebaScore("deu", 70.0, 60.0, 1000)]),
        "b": TatoebaResult([TatoebaScore("cmn", 10.0, 20.0, 1000), TatoebaScore("deu", 30.0, 40.0, 1000)]),
    }
    report = run.report()
    assert report["schema"] == REPORT_SCHEMA_VERSION and report["task"] == "tatoeba"
    assert set(report) == {
        "schema",
        "task",
        "created",
        "seconds",
        "data",
        "settings",
        "versions",
        "machine",
        "models",
    }
    assert report["settings"] == {
        "languages": ["cmn", "deu"],
        "metric": "cosine nearest neighbour accuracy",
        "batch_size": None,
        "models": ["a", "b"],
    }
    assert "sentence-transformers" in report["versions"]
    first = report["models"][0]
    assert first["model"] == "a" and first["average"] == {"xx_to_en": 80.0, "en_to_xx": 70.0, "mean": 75.0}
    assert first["languages"][0] == {
        "language": "cmn",
        "xx_to_en": 90.0,
        "en_to_xx": 80.0,
        "mean": 85.0,
        "error_rate": 10.0,
        "pairs": 1000,
    }
    json.dumps(report)  # serialisable as is
    table = run.markdown()
    assert table.splitlines()[0] == "| language | a xx→en | a en→xx | a mean | b xx→en | b en→xx | b mean |"
    assert "| cmn | 90.0 | 80.0 | 85.0 | 10.0 | 20.0 | 15.0 |" in table
    assert "**average (2)** | **80.0** | **70.0** | **75.0** | **20.0** | **30.0** | **25.0**" in table
    import align.bench.tatoeba as tatoeba

    monkeypatch.setattr(tatoeba, "MAX_TABLE_ROWS", 1)
    assert "| cmn |" not in run.markdown()  # long runs show averages only


def test_cli_bench_tatoeba_writes_the_report(tiny_model: Path, tmp_path: Path) -> None:
    write_tatoeba(tmp_path / "data", "cmn", COMPOSED[:40])
    arguments = [
        "bench",
        "tatoeba",
        "--model",
        str(tiny_model),
        "--data",
        str(tmp_path / "data"),
        "--langs",
        "all",
        "--cache-dir",
        str(tmp_path / "cache"),
        "--output",
        str(tmp_path / "report.json"),
        "--plot",
        str(tmp_path / "bars.png"),
    ]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    assert "| cmn |" in result.output and "Wrote" in result.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["models"][0]["languages"][0]["pairs"] == 40
    assert (tmp_path / "bars.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert report["models"][0]["languages"][0]["xx_to_en"] > 50  # the tiny model learnt these sentences
    again = CliRunner().invoke(app, arguments)
    assert again.exit_code == 2 and "pass --force" in again.output
    bad = CliRunner().invoke(
        app,
        [
            "bench",
            "tatoeba",
            "--model",
            str(tiny_model),
            "--data",
            str(tmp_path / "data"),
            "--langs",
            "klingon",
        ],
    )
    assert bad.exit_code == 2 and "no Tatoeba files for klingon" in bad.output


def test_trained_and_other_languages_are_averaged_apart(tiny_model: Path, tmp_path: Path) -> None:
    write_tatoeba(tmp_path / "data", "cmn", COMPOSED[:30])
    write_tatoeba(tmp_path / "data", "deu", [("Hi.", "Hallo."), ("Thanks.", "Danke.")])
    model = load_encoder(str(tiny_model))
    embed = SentenceTransformerEmbedder(model, str(tiny_model))
    assert trained_languages(tiny_model) == ("en", "zh")  # align_training.json says what the model saw
    result = TatoebaTask(tmp_path / "data", "all").evaluate(embed)
    assert result.trained == {"cmn"}
    report = result.to_json()
    assert report["average_trained"]["mean"] == result.scores[0].mean
    assert report["average_other"]["mean"] == result.scores[1].mean
    assert [entry["trained"] for entry in report["languages"]] == [True, False]
    labels = [label for label, _ in result.rows()]
    assert labels == ["cmn", "deu", "**trained (1)**", "**other (1)**", "**average (2)**"]
    unknown = TatoebaTask(tmp_path / "data", "all").evaluate(SentenceTransformerEmbedder(model, "hub/name"))
    assert unknown.trained is None and "average_trained" not in unknown.to_json()
    run = BenchmarkRun(TatoebaTask(tmp_path / "data", "all"), ["a", "b"])
    run.results = {"a": result, "b": unknown}
    assert "| **trained (1)** | **" in run.markdown() and "| – | – | – |" in run.markdown()
