"""Shared fixtures: a handful of hand-written en-zh pairs, written out in each corpus format."""

from __future__ import annotations

from pathlib import Path

import pytest

PAIRS = [
    ("I love natural language processing.", "我热爱自然语言处理。"),
    ("Good morning.", "早上好。"),
    ("Where is the train station?", "火车站在哪里？"),
    ("The cat is under the table.", "猫在桌子下面。"),
    ("I am very happy today.", "我今天很高兴。"),
    ("Please speak more slowly.", "请说慢一点。"),
]

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def write_moses(
    directory: Path, pairs: list[tuple[str, str]], name: str = "tiny", order: str = "en-zh"
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.{order}.en").write_text("".join(f"{en}\n" for en, _ in pairs), encoding="utf-8")
    (directory / f"{name}.{order}.zh").write_text("".join(f"{zh}\n" for _, zh in pairs), encoding="utf-8")
    return directory


@pytest.fixture
def moses_dir(tmp_path: Path) -> Path:
    return write_moses(tmp_path / "corpus", PAIRS)
