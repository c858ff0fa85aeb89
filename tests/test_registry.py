"""``--pairs`` parsing and where corpora are looked up."""

from __future__ import annotations

from pathlib import Path

import pytest

from align.data import default_data_dir, parse_language_pairs, resolve_sources
from align.data.registry import HUB_DATASET
from align.errors import AlignError
from tests.conftest import PAIRS, write_moses


def test_parse_language_pairs() -> None:
    assert parse_language_pairs("en-zh, en-de,en-fr") == [("en", "zh"), ("en", "de"), ("en", "fr")]
    for bad in ("en", "en_zh", "en-zh,", "en-zh-fr", "*-*"):
        with pytest.raises(AlignError, match="cannot read language pair"):
            parse_language_pairs(bad)
    assert parse_language_pairs("en-*,*-de") == [("en", "*"), ("*", "de")]
    for same in ("en-en", "zh-cmn", "eng_Latn-en"):
        with pytest.raises(AlignError, match="both sides are the same language"):
            parse_language_pairs(same)
    with pytest.raises(AlignError, match="unknown language code 'xx'"):
        parse_language_pairs("en-xx")


def test_several_pairs_from_one_directory(tmp_path: Path) -> None:
    write_moses(tmp_path / "en-zh", PAIRS, name="a")
    (tmp_path / "en-de").mkdir()
    (tmp_path / "en-de" / "b.de-en.en").write_text("Hello\n", encoding="utf-8")
    (tmp_path / "en-de" / "b.de-en.de").write_text("Hallo\n", encoding="utf-8")
    sources = resolve_sources("en-zh,en-de", tmp_path)
    assert [(Path(s.path).name, Path(s.target_path or "").name) for s in sources] == [
        ("a.en-zh.en", "a.en-zh.zh"),
        ("b.de-en.en", "b.de-en.de"),
    ]


def test_missing_pair_in_data_dir_says_what_was_looked_for(tmp_path: Path) -> None:
    write_moses(tmp_path, PAIRS)
    listed = r"no en-fr corpus there .*NAME.en-fr.en.*holds 1 language pairs: en-zh"
    with pytest.raises(AlignError, match=listed):
        resolve_sources("en-zh,en-fr", tmp_path)
    with pytest.raises(AlignError, match="no such file or directory"):
        resolve_sources("en-zh", tmp_path / "missing")


def test_single_moses_file_finds_its_partner(tmp_path: Path) -> None:
    write_moses(tmp_path, PAIRS)
    [source] = resolve_sources("en-zh", tmp_path / "tiny.en-zh.en")
    assert source.target_path == str(tmp_path / "tiny.en-zh.zh")


def test_lookup_order_env_dir_then_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIGN_DATA_DIR", str(tmp_path))
    assert default_data_dir() == tmp_path
    write_moses(tmp_path, PAIRS)
    [local] = resolve_sources("en-zh")
    assert local.format == "moses" and local.path == str(tmp_path / "tiny.en-zh.en")
    [hub] = resolve_sources("zh-fr")
    assert (hub.path, hub.format, hub.hf_config) == (HUB_DATASET, "hf", "fr-zh")
    monkeypatch.delenv("ALIGN_DATA_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert default_data_dir() == tmp_path / "cache" / "align" / "data"
