"""Mistakes that need no model are reported before any model loads: each case runs the real command
in one fresh Python process, and after each the process must not have imported torch or
sentence-transformers (importing them is most of the 5-7 s a model load costs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PAIRS

REPO = Path(__file__).resolve().parents[1]

RUNNER = """
import contextlib, io, json, sys
from align.cli import app
results = []
for arguments in json.loads(sys.argv[1]):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            app(arguments)
            code = 0
        except SystemExit as stop:
            code = stop.code
    heavy = [name for name in ("torch", "sentence_transformers") if name in sys.modules]
    results.append({"code": code, "stderr": err.getvalue(), "heavy": heavy})
print(json.dumps(results))
"""


def run_in_one_process(cases: list[list[str]], cwd: Path, env: dict[str, str]) -> list[dict]:
    result = subprocess.run(
        [sys.executable, "-c", RUNNER, json.dumps(cases)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **env},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    en, zh = tmp_path / "s.en", tmp_path / "s.zh"
    en.write_text("".join(f"{e}\n" for e, _ in PAIRS), encoding="utf-8")
    zh.write_text("".join(f"{z}\n" for _, z in PAIRS), encoding="utf-8")
    empty, blank = tmp_path / "empty.txt", tmp_path / "blank.txt"
    empty.write_text("", encoding="utf-8")
    blank.write_text("\n  \n\t\n", encoding="utf-8")
    bad_gold, far_gold = tmp_path / "bad-gold.tsv", tmp_path / "far-gold.tsv"
    bad_gold.write_text("1\t1\nx\t2\n", encoding="utf-8")
    far_gold.write_text("1\t1\n2\t99\n", encoding="utf-8")
    model = tmp_path / "model"  # a directory: the model's name passes, and loading it would fail
    model.mkdir()
    return {"en": en, "zh": zh, "empty": empty, "blank": blank, "bad_gold": bad_gold, "far_gold": far_gold,
            "model": model, "root": tmp_path}  # fmt: skip


def test_mistakes_are_reported_before_the_model_loads(files: dict[str, Path]) -> None:
    f = {name: str(path) for name, path in files.items()}
    out = str(files["root"] / "out.tsv")
    mine = ["mine", "--model", f["model"], "--src", f["en"], "--tgt", f["zh"], "-o", out]
    cases = {
        "language code": ([*mine, "--src-lang", "xx"], "unknown language code 'xx'"),
        "factory string": ([*mine, "--index-factory", "Bogus"], "FAISS cannot build the index 'Bogus'"),
        "missing model path": (
            ["mine", "--model", "./nope", "--src", f["en"], "--tgt", f["zh"], "-o", out],
            f"there is no directory {files['root'] / 'nope'}",
        ),
        "hub name, offline": (
            ["mine", "--model", "models/en-zh", "--src", f["en"], "--tgt", f["zh"], "-o", out],
            "it is not in the Hugging Face cache, and HF_HUB_OFFLINE is set",
        ),
        "gold in memory": ([*mine, "--gold", f["bad_gold"]], f"{f['bad_gold']}:2: expected two line numbers"),
        "gold, sharded": (
            [*mine, "--gold", f["far_gold"], "--shard-size", "2"],
            f"{f['far_gold']}:2: line 2 of {f['en']} or line 99 of {f['zh']} is blank or out of range",
        ),
        "empty input": (
            ["mine", "--model", f["model"], "--src", f["empty"], "--tgt", f["zh"], "-o", out],
            "empty.txt: no sentences",
        ),
        "embed, blank input": (
            ["embed", "--model", f["model"], f["blank"], str(files["root"] / "out.npy")],
            "blank.txt: the file is blank (3 blank lines); nothing to encode",
        ),
        "index, empty input": (
            ["index", "--model", f["model"], f["empty"], str(files["root"] / "idx")],
            "empty.txt: no sentences",
        ),
        "index, factory string": (
            ["index", "--model", f["model"], f["en"], str(files["root"] / "idx"), "--index-factory", "IVF"],
            "FAISS cannot build the index 'IVF'",
        ),
        "neighbours, empty input": (
            ["neighbours", "--model", f["model"], f["empty"], f["zh"]],
            "no sentences",
        ),
        "sentalign, blank document": (
            ["sentalign", "--model", f["model"], "--src", f["blank"], "--tgt", f["zh"], "-o", out],
            "blank.txt: no sentences (the document is empty or blank)",
        ),
        "filter, missing model": (
            ["filter", "--model", "./nope", "--src", f["en"], "--tgt", f["zh"], "-o", out],
            "there is no directory",
        ),
        "train, missing pretrained model": (
            [
                "train",
                "--pairs",
                "en-zh",
                "--data",
                f["root"],
                "--output",
                f["root"] + "/m",
                "--model",
                "./x",
            ],
            "there is no directory",
        ),
        "distill, teacher neither here nor cached": (
            ["distill", "--teacher", "org/name", "--pairs", "en-zh", "--data", f["root"], "--output", out],
            "it is not in the Hugging Face cache",
        ),
        "bench, cache not writable": (
            [
                "bench",
                "tatoeba",
                "--model",
                f["model"],
                "--data",
                f["root"],
                "--cache-dir",
                f"{f['en']}/cache",
            ],
            "s.en is a file and not a directory",
        ),
    }
    env = {"HF_HUB_OFFLINE": "1", "HF_HOME": str(files["root"] / "hf")}
    results = run_in_one_process([arguments for arguments, _ in cases.values()], files["root"], env)
    for (name, (_, message)), result in zip(cases.items(), results, strict=True):
        assert result["code"] == 2, (name, result)
        assert message in result["stderr"], (name, result["stderr"])
        assert not result["heavy"], (name, "loaded", result["heavy"])
    assert not (files["root"] / "out.tsv.work").exists()  # the sharded run stopped before it began
