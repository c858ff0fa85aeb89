"""Scripts: the syllables unspaced scripts are cut into, a complete alphabet, and the per-script
[UNK] share that makes a vocabulary's gaps visible."""

from __future__ import annotations

import logging

import pytest
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.modules import Normalize, StaticEmbedding

from align.coverage import script_of, unknown_by_script, unreadable_scripts, warn_about_unknown_scripts
from align.training.encoders.tokenizer import UNKNOWN_TOKEN, build_untrained_tokenizer, train_tokenizer


def pre_tokens(text: str) -> list[str]:
    tokenizer = build_untrained_tokenizer()
    return [piece for piece, _ in tokenizer.pre_tokenizer.pre_tokenize_str(text)]


@pytest.mark.parametrize(
    ("text", "syllables"),
    [
        # Burmese: final consonants carry asat (်), stacked ones follow a virama (္).
        ("မြန်မာစာ", ["မြန်", "မာ", "စာ"]),
        ("ကျွန်တော်", ["ကျွန်", "တော်"]),
        ("သင်္ချိုင်း", ["သင်္ချိုင်း"]),
        # Khmer: subscript consonants follow coeng (្); a final consonant may carry bantoc (់).
        ("ខ្ញុំស្រឡាញ់", ["ខ្ញុំ", "ស្រ", "ឡាញ់"]),
        # Thai: a leading vowel goes with its consonant; mai han-akat (ั) takes the final consonant.
        ("ฉันรักเธอ", ["ฉัน", "รัก", "เธ", "อ"]),
        ("ศาสตร์", ["ศา", "ส", "ตร์"]),
        # Lao, the same shapes.
        ("ສະບາຍດີ", ["ສະ", "ບາ", "ຍ", "ດີ"]),
    ],
)
def test_unspaced_scripts_are_cut_into_syllables_before_wordpiece(text: str, syllables: list[str]) -> None:
    assert pre_tokens(text) == syllables


def test_han_characters_stay_single_and_spaced_scripts_stay_words() -> None:
    assert pre_tokens("我爱你 hello, мир") == ["我", "爱", "你", "hello", ",", "мир"]


def test_every_learnt_character_gets_both_wordpiece_forms() -> None:
    # "న" starts words only, "ు" only continues them: without both forms, "ను" would be one [UNK].
    tokenizer = train_tokenizer(["న", "కు"] * 3, vocab_size=50)
    vocab = tokenizer.get_vocab()
    assert {"న", "##న", "ు", "##ు"} <= set(vocab)
    assert UNKNOWN_TOKEN not in tokenizer.encode("ను", add_special_tokens=False).tokens


def test_script_of_names_letters_and_marks_and_skips_the_shared_characters() -> None:
    assert [script_of(c) for c in "aя中ひ한ก्"] == [
        "Latin",
        "Cyrillic",
        "Han",
        "Hiragana",
        "Hangul",
        "Thai",
        "Devanagari",
    ]
    assert [script_of(c) for c in "1 ,!"] == [None, None, None, None]


def _static(texts: list[str]) -> SentenceTransformer:
    tokenizer = train_tokenizer(texts, vocab_size=200)
    return SentenceTransformer(
        modules=[StaticEmbedding(tokenizer, embedding_dim=8), Normalize()], device="cpu"
    )


def test_unknown_tokens_are_counted_per_script() -> None:
    tokenizer = train_tokenizer(["I like tea.", "我喜欢茶。"] * 5, vocab_size=200)
    coverage = unknown_by_script(
        tokenizer, tokenizer.token_to_id(UNKNOWN_TOKEN), ["I like чай 42.", "Я люблю чай"]
    )
    assert coverage["Latin"].unknown_rate == 0.0 and coverage["Latin"].tokens == 2
    assert coverage["Cyrillic"].unknown_rate == 100.0 and coverage["Cyrillic"].tokens == 4
    assert set(coverage) == {"Latin", "Cyrillic"}  # digits and punctuation belong to no script


def test_a_script_the_vocabulary_lacks_is_named_in_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    model = _static(["I like tea.", "我喜欢茶。"] * 5)
    with caplog.at_level(logging.WARNING):
        assert warn_about_unknown_scripts(model, ["Καλημέρα κόσμε", "I like tea."], "input.txt") == {
            "Greek": 100.0
        }
    assert "input.txt" in caplog.text and "Greek in 1 line (50 %; 100 % of its tokens unknown)" in caplog.text


def test_a_handful_of_lines_in_an_unreadable_script_gives_no_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    model = _static(["I like tea.", "我喜欢茶。"] * 5)
    english = ["I like tea."] * 996 + ["The angles α, β and γ are equal."] * 4
    with caplog.at_level(logging.WARNING):
        assert warn_about_unknown_scripts(model, english, "notes.txt") == {}
        assert "notes.txt" not in caplog.text
        greek = english + ["Καλημέρα κόσμε"] * 20  # 24 of 1,020 lines: 2.4 %
        assert warn_about_unknown_scripts(model, greek, "mixed.txt") == {"Greek": 100.0}
    assert "Greek in 24 lines (2.35 %" in caplog.text
    assert unreadable_scripts(model, ["我喜欢茶。", "I like tea."]) == {}


def test_a_transformer_tokenizer_is_read_too(minilm_path: str) -> None:
    teacher = SentenceTransformer(minilm_path, device="cpu")
    assert unreadable_scripts(teacher, ["I like tea."]) == {}


def test_tatoeba_names_the_languages_whose_script_the_model_cannot_read(tmp_path) -> None:
    from align.bench.runner import run_benchmarks
    from align.bench.tatoeba import TatoebaTask
    from align.embedding import SentenceTransformerEmbedder

    sentences = {
        "ell": ["Καλημέρα.", "Πού είναι το σπίτι;", "Μου αρέσει το τσάι."],
        "cmn": ["早上好。", "房子在哪里？", "我喜欢茶。"],
    }
    english = ["Good morning.", "Where is the house?", "I like tea."]
    for code, lines in sentences.items():
        (tmp_path / f"tatoeba.{code}-eng.{code}").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (tmp_path / f"tatoeba.{code}-eng.eng").write_text("\n".join(english) + "\n", encoding="utf-8")
    model = _static(english + sentences["cmn"])
    result = TatoebaTask(tmp_path, "ell,cmn").evaluate(SentenceTransformerEmbedder(model, "m"))
    assert result.unreadable == {"ell": {"Greek": 100.0}}
    assert result.notes() == ["mostly [UNK] to the vocabulary, so scored by chance: ell (Greek 100 %)"]
    greek = next(entry for entry in result.to_json()["languages"] if entry["language"] == "ell")
    assert greek["unreadable_scripts"] == {"Greek": 100.0}
    [run] = run_benchmarks([TatoebaTask(tmp_path, "ell,cmn")], [model], use_cache=False)
    assert run.markdown().endswith(
        "\nmodel 1: mostly [UNK] to the vocabulary, so scored by chance: ell (Greek 100 %)"
    )
