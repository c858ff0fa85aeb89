"""The `align` command through typer's runner: the happy path and the error messages users see."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from align.cli import app
from tests.conftest import COMPOSED, PAIRS, write_moses

runner = CliRunner()


@pytest.fixture(scope="module")
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli")
    corpus = write_moses(root / "corpus", COMPOSED)
    result = runner.invoke(
        app,
        [
            "train",
            "--pairs",
            "en-zh",
            "--data",
            str(corpus),
            "--output",
            str(root / "model"),
            "--epochs",
            "6",
            "--batch-size",
            "16",
            "--dim",
            "32",
            "--dev-size",
            "12",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Saved" in result.output and "Translation retrieval on dev" in result.output
    return root / "model"


@pytest.mark.slow
def test_embed_writes_normalised_rows_one_per_line(trained_model: Path, tmp_path: Path) -> None:
    text = tmp_path / "zh.txt"
    text.write_text("我喜欢茶。\n\n他们买书。\n", encoding="utf-8")
    result = runner.invoke(app, ["embed", str(text), str(tmp_path / "zh.npy"), "--model", str(trained_model)])
    assert result.exit_code == 0, result.output
    matrix = np.load(tmp_path / "zh.npy")
    assert matrix.shape == (3, 32) and matrix.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(matrix[[0, 2]], axis=1), 1.0, rtol=1e-5)

    again = runner.invoke(app, ["embed", str(text), str(tmp_path / "zh.npy"), "--model", str(trained_model)])
    assert again.exit_code == 2 and "already exists; pass --force" in again.output


@pytest.mark.slow
def test_neighbours_prints_each_query_with_its_best_match(trained_model: Path, tmp_path: Path) -> None:
    queries, candidates = tmp_path / "q.en", tmp_path / "c.zh"
    queries.write_text("I like tea.\nThey buy books.\n", encoding="utf-8")
    candidates.write_text("我喜欢茶。\n他们买书。\n", encoding="utf-8")
    result = runner.invoke(app, ["neighbours", str(queries), str(candidates), "--model", str(trained_model)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "I like tea." and lines[2] == "They buy books."
    assert len(lines) == 4


def test_train_bad_input_errors_name_the_problem(tmp_path: Path) -> None:
    good = write_moses(tmp_path / "good", PAIRS)
    corpus = write_moses(tmp_path / "corpus", PAIRS)
    (corpus / "tiny.en-zh.zh").write_text("只有一行。\n", encoding="utf-8")
    cases = [
        (["--pairs", "en-zh", "--data", str(corpus)], "has 6 lines but"),
        (["--pairs", "english", "--data", str(corpus)], "cannot read language pair 'english'"),
        (["--pairs", "en-zh", "--data", str(tmp_path / "missing")], "no such file or directory"),
        (["--pairs", "en-fr", "--data", str(corpus)], "found no en-fr corpus"),
        (["--pairs", "en-zh", "--data", str(corpus), "--columns", "en"], "give two columns"),
        (["--pairs", "en-zh", "--data", str(good), "--model", str(tmp_path / "no-model")], "could not load"),
    ]
    for arguments, message in cases:
        result = runner.invoke(app, ["train", *arguments, "--output", str(tmp_path / "out"), "--force"])
        assert result.exit_code == 2, (arguments, result.output)
        assert message in result.output, (arguments, result.output)
        assert "Traceback" not in result.output


def test_embed_missing_input_and_unloadable_model(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["embed", str(tmp_path / "none.txt"), str(tmp_path / "o.npy"), "--model", str(tmp_path / "none")]
    )
    assert result.exit_code == 2 and "does not exist" in result.output
    (tmp_path / "in.txt").write_text("你好\n", encoding="utf-8")
    result = runner.invoke(
        app, ["embed", str(tmp_path / "in.txt"), str(tmp_path / "o.npy"), "--model", str(tmp_path / "none")]
    )
    assert result.exit_code == 2 and "could not load the model" in result.output
    assert not (tmp_path / "o.npy").exists()


def test_help_teaches_the_options() -> None:
    # Rich shortens long option names to fit 80 columns; a wider terminal shows them whole.
    result = runner.invoke(app, ["train", "--help"], env={"COLUMNS": "130"})
    assert result.exit_code == 0
    for option in ("--pairs", "--data", "--margin", "--mini-batch-size", "--watch", "--resume", "--force"):
        assert option in result.output
    # Rich would swallow a default written in square brackets as markup; it must reach the reader.
    assert "0.2 static, 5e-5 fine-tuning" in " ".join(result.output.split())
    result = runner.invoke(app, ["distill", "--help"], env={"COLUMNS": "130"})
    assert result.exit_code == 0
    for option in ("--teacher", "--student-tokenizer", "--ranking-weight", "--init-from-teacher", "--watch"):
        assert option in result.output
