"""align.splitting: sentencex as align wraps it, on sentences written for these tests."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from align.errors import AlignError
from align.splitting import paragraphs, split_sentences, split_text, splitter_language

needs_sentencex = pytest.mark.skipif(
    importlib.util.find_spec("sentencex") is None, reason="needs sentencex: pip install 'align[split]'"
)


@needs_sentencex
def test_english_keeps_abbreviations_and_decimals_inside_a_sentence() -> None:
    text = "Dr. Brown measured 3.75 litres of water. Then she left!   Would she come back?"
    assert split_sentences(text, "en") == [
        "Dr. Brown measured 3.75 litres of water.",
        "Then she left!",
        "Would she come back?",
    ]


@needs_sentencex
def test_german_keeps_ordinals_and_abbreviations() -> None:
    text = "Der Preis stieg um 3.5 Prozent. Am 3. Oktober kam er zurück. Das ist z. B. gut."
    assert split_sentences(text, "deu_Latn") == [
        "Der Preis stieg um 3.5 Prozent.",
        "Am 3. Oktober kam er zurück.",
        "Das ist z. B. gut.",
    ]


@needs_sentencex
def test_chinese_is_cut_at_full_width_stops_without_spaces() -> None:
    text = "今天下雨了。我们去图书馆吧！你带伞了吗？带了"
    assert split_sentences(text, "zh") == ["今天下雨了。", "我们去图书馆吧！", "你带伞了吗？", "带了"]


@needs_sentencex
def test_chinese_code_forms_give_the_same_sentences() -> None:
    text = "他买了三本书。书很贵吗？不贵！"
    found = {code: split_sentences(text, code) for code in ("zh", "zho_Hans", "cmn", "zho", "zh-Hant")}
    assert all(sentences == found["zh"] for sentences in found.values())
    assert len(found["zh"]) == 3
    assert {splitter_language(code) for code in found} == {"zh"}


@needs_sentencex
def test_japanese() -> None:
    text = "駅まで歩きました。電車はもう出ていた！次は何時ですか？"
    assert split_sentences(text, "jpn") == ["駅まで歩きました。", "電車はもう出ていた！", "次は何時ですか？"]


@needs_sentencex
def test_russian() -> None:
    text = "Цена выросла на 3,5 процента. Мы приехали в Москву вечером! Где же вокзал?"
    assert split_sentences(text, "rus_Cyrl") == [
        "Цена выросла на 3,5 процента.",
        "Мы приехали в Москву вечером!",
        "Где же вокзал?",
    ]


@needs_sentencex
def test_codes_map_to_the_splitters_language() -> None:
    assert splitter_language("eng_Latn") == splitter_language("eng") == "en"
    assert splitter_language("yue") == "yue"  # a language of its own: left to sentencex's fallbacks
    with pytest.raises(AlignError, match="unknown language code"):
        split_sentences("Hello. World.", "xx")


@needs_sentencex
def test_a_language_without_rules_takes_a_close_languages_rules() -> None:
    # Swiss German has no rules of its own in sentencex: its fallback chain gives it German's, which
    # keep "3. Oktober" and "bzw." inside a sentence where English rules would cut after them.
    text = "Am 3. Oktober chunnt er. Das isch bzw. gsi guet."
    assert (
        split_sentences(text, "gsw")
        == split_sentences(text, "de")
        == [
            "Am 3. Oktober chunnt er.",
            "Das isch bzw. gsi guet.",
        ]
    )
    assert len(split_sentences(text, "en")) > 2


@needs_sentencex
def test_split_text_splits_each_paragraph_and_normalises_whitespace() -> None:
    text = "A heading\n\n  First  sentence here.\tSecond one.  \n\n\nThird\tsentence.\r\nLast line"
    assert split_text(text, "en") == [
        "A heading",
        "First sentence here.",
        "Second one.",
        "Third sentence.",
        "Last line",
    ]
    assert split_text(" \n\n \t\n", "en") == []


@needs_sentencex
def test_split_text_keeps_a_line_without_a_stop_apart_by_default() -> None:
    text = "Chapter one\nThe rain fell. Nobody came."
    assert split_text(text, "en") == ["Chapter one", "The rain fell.", "Nobody came."]


@needs_sentencex
def test_hard_wrapped_text_joins_lines_up_to_a_blank_line() -> None:
    text = "The rain fell on the\nold town. Nobody\ncame.\n\nA new paragraph"
    assert paragraphs(text, line_breaks=False) == [
        "The rain fell on the old town. Nobody came.",
        "A new paragraph",
    ]
    assert split_text(text, "en", line_breaks=False) == [
        "The rain fell on the old town.",
        "Nobody came.",
        "A new paragraph",
    ]
    assert split_text(text, "en")[0] == "The rain fell on the"  # by default every line is a paragraph


@needs_sentencex
def test_split_text_of_chinese_paragraphs() -> None:
    text = "第一段。还是第一段！\n\n第二段？"
    assert split_text(text, "zho_Hans") == ["第一段。", "还是第一段！", "第二段？"]


def test_missing_library_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sentencex", None)  # `import sentencex` now raises ImportError
    for call in (lambda: split_sentences("One. Two.", "en"), lambda: split_text("", "en")):
        with pytest.raises(AlignError, match=r"sentencex.*pip install 'align\[split\]'"):
            call()
