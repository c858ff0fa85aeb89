"""Retrieval metrics by hand, the XQuAD-R and TSV readers, and the bench command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from align.bench.retrieval import evaluate_retrieval, query_metrics, read_tsv_retrieval, read_xquad_r
from align.bench.runner import bench_embedder
from align.cli import app
from align.errors import InputFormatError
from tests.conftest import COMPOSED


def test_metrics_by_hand_one_relevant_document() -> None:
    metrics = query_metrics(["a", "b", "c"], {"b"})
    assert metrics == {"recall@1": 0.0, "recall@5": 1.0, "recall@10": 1.0, "mrr": 0.5, "map@20": 0.5}


def test_metrics_by_hand_several_relevant_documents() -> None:
    # relevant at ranks 1 and 3 of 3: AP = (1/1 + 2/3) / 2; recall@1 = 1/2
    metrics = query_metrics(["a", "x", "b"], {"a", "b"})
    assert metrics["recall@1"] == 0.5 and metrics["recall@5"] == 1.0 and metrics["mrr"] == 1.0
    assert metrics["map@20"] == pytest.approx((1 + 2 / 3) / 2)
    missed = query_metrics(["x", "y"], {"a"})
    assert missed == {"recall@1": 0.0, "recall@5": 0.0, "recall@10": 0.0, "mrr": 0.0, "map@20": 0.0}


def write_xquad(directory: Path, lang: str, pairs: list[tuple[str, str]]) -> None:
    """One paragraph per pair: the sentence is the answer to the question."""
    paragraphs = []
    for index, (question, sentence) in enumerate(pairs):
        context = f"{sentence} Filler."
        paragraphs.append(
            {
                "context": context,
                "sentences": [sentence, "Filler."],
                "sentence_breaks": [[0, len(sentence)], [len(sentence) + 1, len(context)]],
                "qas": [
                    {
                        "id": f"q{index}",
                        "question": question,
                        "answers": [{"answer_start": 0, "text": sentence[:3]}],
                    }
                ],
            }
        )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{lang}.json").write_text(
        json.dumps({"data": [{"title": "t", "paragraphs": paragraphs}]}, ensure_ascii=False), encoding="utf-8"
    )


def test_xquad_r_reader_links_answers_across_languages(tmp_path: Path) -> None:
    write_xquad(tmp_path, "en", [(en, en) for en, _ in COMPOSED[:3]])
    write_xquad(tmp_path, "zh", [(zh, zh) for _, zh in COMPOSED[:3]])
    task = read_xquad_r(tmp_path)
    assert task.languages == ["en", "zh"]
    assert len(task.documents["en"]) == 6  # every sentence is a candidate, fillers included
    assert task.relevant["q1"] == {"en:0:1:0", "zh:0:1:0"}


def test_xquad_r_answer_outside_every_sentence_is_an_error(tmp_path: Path) -> None:
    write_xquad(tmp_path, "en", [("Q?", "Answer.")])
    data = json.loads((tmp_path / "en.json").read_text(encoding="utf-8"))
    data["data"][0]["paragraphs"][0]["qas"][0]["answers"][0]["answer_start"] = 999
    (tmp_path / "en.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputFormatError, match="answer lies in no sentence"):
        read_xquad_r(tmp_path)


def test_tsv_task_and_its_errors(tmp_path: Path) -> None:
    (tmp_path / "queries.tsv").write_text("q1\ten\tI like tea.\n", encoding="utf-8")
    (tmp_path / "corpus.tsv").write_text("d1\tzh\t我喜欢茶。\nd2\tzh\t他们买书。\n", encoding="utf-8")
    (tmp_path / "qrels.tsv").write_text("q1\td1\n", encoding="utf-8")
    task = read_tsv_retrieval(tmp_path)
    assert task.relevant == {"q1": {"d1"}} and task.queries["en"] == [("q1", "I like tea.")]
    (tmp_path / "qrels.tsv").write_text("q1\td9\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"qrels\.tsv:1: unknown query or document"):
        read_tsv_retrieval(tmp_path)
    (tmp_path / "corpus.tsv").write_text("d1\tzh\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"corpus\.tsv:1: expected 3 tab-separated columns"):
        read_tsv_retrieval(tmp_path)


def test_cross_lingual_retrieval_with_the_tiny_model(
    tiny_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_xquad(tmp_path, "en", [(en, en) for en, _ in COMPOSED[:20]])
    write_xquad(tmp_path, "zh", [(zh, zh) for _, zh in COMPOSED[:20]])
    results = evaluate_retrieval(bench_embedder(str(tiny_model), "tiny"), read_xquad_r(tmp_path))
    err = capsys.readouterr().err  # a bar over the languages for each step, naming the language
    assert "Retrieval: encoding" in err and "zh: 20 queries" in err
    assert "Retrieval: ranking" in err and "2/2" in err
    assert set(results["separate"]) == {"en→en", "en→zh", "zh→en", "zh→zh"}
    assert set(results["pooled"]) == {"en→all", "zh→all"}
    assert results["separate"]["en→en"]["recall@1"] == 100.0  # a query is its own answer sentence
    assert results["separate"]["en→zh"]["recall@10"] > 50


def test_cli_bench_retrieval(tiny_model: Path, tmp_path: Path) -> None:
    write_xquad(tmp_path / "x", "en", [(en, en) for en, _ in COMPOSED[:10]])
    write_xquad(tmp_path / "x", "zh", [(zh, zh) for _, zh in COMPOSED[:10]])
    result = CliRunner().invoke(
        app,
        [
            "bench",
            "retrieval",
            "--model",
            str(tiny_model),
            "--data",
            str(tmp_path / "x"),
            "--langs",
            "en,zh",
            "-o",
            str(tmp_path / "r.json"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "| en→zh |" in result.output
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["task"] == "retrieval" and report["settings"]["languages"] == ["en", "zh"]
    [entry] = report["models"]  # a list of {"model", ...}, as for every task
    assert set(entry) == {"model", "separate", "pooled"} and "en→all" in entry["pooled"]
    missing = CliRunner().invoke(
        app,
        ["bench", "retrieval", "--model", str(tiny_model), "--data", str(tmp_path / "x"), "--langs", "fr"],
    )
    assert missing.exit_code == 2 and "fr.json: no such file" in missing.output
