"""The language table, and --pairs over a tree that mixes code conventions and layouts."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from align.data import read_source, resolve_sources
from align.errors import AlignError
from align.languages import language, same_language


@pytest.mark.parametrize(
    ("forms", "tag"),
    [
        (("zh", "cmn", "zho", "chi", "zho_Hans", "cmn_Hans"), "zh"),
        (("zho_Hant", "cmn_Hant", "zh-Hant"), "zh-Hant"),
        (("en", "eng", "eng_Latn"), "en"),
        (("de", "deu", "ger", "deu_Latn"), "de"),
        (("ja", "jpn", "jpn_Jpan"), "ja"),
        (("ar", "ara", "arb", "arb_Arab"), "ar"),
        (("fa", "fas", "per", "pes", "pes_Arab"), "fa"),
        (("sw", "swa", "swh", "swh_Latn"), "sw"),
        (("ms", "msa", "zsm", "zsm_Latn"), "ms"),
        (("lv", "lav", "lvs", "lvs_Latn"), "lv"),
        (("et", "est", "ekk"), "et"),
        (("ku", "kur", "kmr", "kmr_Latn"), "ku"),
        (("tl", "tgl", "fil"), "fil"),
        (("yue", "yue_Hant"), "yue"),
    ],
)
def test_every_form_of_a_code_names_one_language(forms: tuple[str, ...], tag: str) -> None:
    assert {language(code).tag for code in forms} == {tag}


def test_varieties_that_are_languages_stay_apart() -> None:
    assert not same_language("zh", "yue") and not same_language("ar", "arz")
    assert not same_language("ku", "ckb") and same_language("cmn", "zho_Hant")
    assert language("prs").tag == "fa-AF" and language("fa").covers(language("prs"))
    assert not language("prs").covers(language("pes"))
    assert language("zh").covers(language("zho_Hant")) and not language("zho_Hant").covers(language("cmn"))
    assert language("zho_Hant").likely_script == "Hant" and language("cmn").likely_script == "Hans"
    assert language("cmn").name == "Chinese"


@pytest.mark.parametrize("code", ["xx", "klingon", "und", "qaa", "", "e1"])
def test_unknown_codes_are_named(code: str) -> None:
    with pytest.raises(AlignError, match=f"unknown language code {code!r}"):
        language(code)


def _moses(directory: Path, name: str, first: str, second: str, rows: list[tuple[str, str]]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for code, side in ((first, 0), (second, 1)):
        text = "".join(f"{row[side]}\n" for row in rows)
        with gzip.open(directory / f"{name}.{first}-{second}.{code}.gz", "wt", encoding="utf-8") as handle:
            handle.write(text)


def mixed_tree(root: Path) -> Path:
    """Three conventions and two layouts, as real folders have them."""
    _moses(root / "multi", "tico", "eng_Latn", "zho_Hans", [("Wash your hands.", "洗手。")])
    _moses(root / "multi", "tico", "eng_Latn", "deu_Latn", [("Wash your hands.", "Hände waschen.")])
    _moses(root / "challenge", "tc", "eng", "cmn", [("I am here.", "我在这里。")])
    _moses(root / "challenge", "tc", "ara", "eng", [("مرحبا", "Hello")])  # English second in the name
    (root / "pairs").mkdir()
    (root / "pairs" / "sub.en-fr.tsv").write_text("Hello\tBonjour\n", encoding="utf-8")
    (root / "pairs" / "notes.en-zh.origin").write_text("not a corpus\n", encoding="utf-8")
    (root / "README.md").write_text("read me\n", encoding="utf-8")
    return root


def test_en_star_takes_every_english_pair_in_any_layout_english_first(tmp_path: Path) -> None:
    root = mixed_tree(tmp_path)
    sources = resolve_sources("en-*", root)
    found = {(language(s.source_lang).tag, language(s.target_lang).tag, s.format) for s in sources}
    assert found == {("en", "zh", "moses"), ("en", "de", "moses"), ("en", "ar", "moses"), ("en", "fr", "tsv")}
    assert len(sources) == 5  # two Chinese corpora, one in FLORES codes and one in ISO 639-3
    arabic = next(s for s in sources if s.target_lang == "ara")
    assert list(read_source(arabic)) == [("Hello", "مرحبا")]  # the English file is read as the source
    tsv = next(s for s in sources if s.format == "tsv")
    assert list(read_source(tsv)) == [("Hello", "Bonjour")]


def test_any_form_of_a_code_finds_the_files_and_errors_list_what_is_there(tmp_path: Path) -> None:
    root = mixed_tree(tmp_path)
    chinese = resolve_sources("en-zh", root)
    assert sorted(Path(s.path).parent.name for s in chinese) == ["challenge", "multi"]
    assert [Path(s.path).name for s in resolve_sources("eng-cmn", root / "multi")] == [
        "tico.eng_Latn-zho_Hans.eng_Latn.gz"
    ]
    zh_de = resolve_sources("zh-*", root)
    assert {language(s.target_lang).tag for s in zh_de} == {"en"}
    with pytest.raises(AlignError, match=r"found no en-ja corpus.*holds 4 language pairs: en-ar, en-de"):
        resolve_sources("en-ja", root)
    with pytest.raises(AlignError, match=r"unknown language code 'xx'.*holds 4 language pairs: en-ar"):
        resolve_sources("en-xx", root)
    (root / "dari.en-prs.tsv").write_text("Hello\tسلام\n", encoding="utf-8")
    with pytest.raises(AlignError, match=r"en-fa_AF"):  # listed as --pairs takes it
        resolve_sources("en-ja", root)
