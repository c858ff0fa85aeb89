"""Options made from config dataclasses: each default and help text comes from the field, once."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from align.cli import app
from align.cli_options import config_options
from align.errors import AlignError
from align.mining import MiningConfig
from align.settings import setting
from align.training import DistillConfig, TrainConfig

runner = CliRunner()


@dataclasses.dataclass(frozen=True)
class Inner:
    depth: int = setting(3, "How deep.", min=1)
    hidden: str = "kept at its default"


@dataclasses.dataclass(frozen=True)
class Outer:
    name: str = setting(help="A required name.")
    pair: tuple[str, str] | None = setting(
        None, "Two parts.", cli_type=str | None, parse=lambda text: tuple(text.split(",")) if text else None
    )
    loud: bool = setting(False, "Shout.", flags=("--loud/--quiet",))
    inner: Inner = dataclasses.field(default_factory=Inner)
    skipped: float = setting(0.5, "Not offered.")


def toy_app() -> tuple[typer.Typer, list[Outer]]:
    seen: list[Outer] = []
    toy = typer.Typer(rich_markup_mode=None)

    @toy.command()
    @config_options(outer=Outer, exclude={"skipped"})
    def run(outer: Outer, verbose: bool = False) -> None:
        seen.append(outer)

    @toy.command()
    def other() -> None:  # two commands, so typer keeps the command names
        pass

    return toy, seen


def test_options_build_the_config_with_nested_parsed_and_excluded_fields() -> None:
    toy, seen = toy_app()
    result = runner.invoke(toy, ["run", "--name", "x", "--pair", "a,b", "--loud", "--depth", "5"])
    assert result.exit_code == 0, result.output
    assert seen == [Outer(name="x", pair=("a", "b"), loud=True, inner=Inner(depth=5))]
    assert runner.invoke(toy, ["run", "--name", "y"]).exit_code == 0
    assert seen[-1] == Outer(name="y")  # every default is the dataclass's own
    assert runner.invoke(toy, ["run", "--name", "y", "--depth", "0"]).exit_code == 2  # min=1
    assert runner.invoke(toy, ["run", "--name", "y", "--skipped", "1"]).exit_code == 2  # not offered
    assert runner.invoke(toy, ["run"]).exit_code == 2  # --name is required
    help_text = runner.invoke(toy, ["run", "--help"]).output
    assert "How deep." in help_text and "--loud / --quiet" in help_text and "--hidden" not in help_text


def test_train_and_distill_options_are_their_configs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import align.training.distillation as distillation
    import align.training.trainer as trainer

    seen: list[object] = []
    monkeypatch.setattr(trainer, "train", lambda config: seen.append(config) or 1 / 0)
    monkeypatch.setattr(distillation, "distill", lambda config: seen.append(config) or 1 / 0)
    out = str(tmp_path / "m")
    (tmp_path / "e5").mkdir()  # a model directory, so that the name passes its check
    monkeypatch.chdir(tmp_path)
    runner.invoke(app, ["train", "--pairs", "en-zh", "-o", out])
    runner.invoke(app, ["train", "--pairs", "en-zh", "-o", out, "--model", "e5", "--lr", "1e-5"])
    runner.invoke(app, ["distill", "--teacher", "e5", "--pairs", "en-zh", "-o", out, "--keep-identical"])
    static, tuned, student = seen
    assert static == TrainConfig(pairs="en-zh", output=out)  # --model static is model=None
    assert static.model is None and static.is_static
    assert tuned == TrainConfig(pairs="en-zh", output=out, model="e5", learning_rate=1e-5)
    assert student.teacher == "e5" and not student.cleaning.drop_identical
    assert {f.name for f in dataclasses.fields(DistillConfig)}.isdisjoint(
        {"embedding_dim", "mini_batch_size", "freeze_embeddings", "model"}
    )


def test_mining_config_checks_its_values() -> None:
    assert MiningConfig() == MiningConfig(k=4, margin="ratio", mode="max", nprobe=64)
    for bad, message in (({"k": 0}, "k must be"), ({"nprobe": 0}, "nprobe"), ({"margin": "x"}, "margin")):
        with pytest.raises(AlignError, match=message):
            MiningConfig(**bad)  # type: ignore[arg-type]
    help_text = runner.invoke(app, ["mine", "--help"], env={"COLUMNS": "200"}).output
    assert "--neighbours" in help_text and "[default: 4;" in help_text and "--nprobe" in help_text


def test_the_command_line_and_its_configs_import_nothing_heavy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, align.cli, align.mining, align.index, align.bench.settings\n"
        "from align.mining import MiningConfig\n"
        "heavy = ('torch', 'faiss', 'numpy', 'datasets', 'sentence_transformers')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
