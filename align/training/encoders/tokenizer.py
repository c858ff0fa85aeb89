"""Train the WordPiece tokenizer of a static encoder on the training corpus itself.

Scripts written without spaces need deliberate treatment. Left to WordPiece, a Chinese clause is
one long "word" cut into arbitrary pieces; splitting every Han and kana character out before
WordPiece lets the encoder learn one vector per character instead. On our en-zh data that one
change lifted Tatoeba cmn-eng from 66 % to 83 % (see docs/training.md).

Burmese, Khmer, Thai and Lao are alphabetic but also unspaced: a clause is one run of 25-60
letters, and WordPiece's greedy longest match cuts the same word differently depending on where
the run starts. They are split into orthographic syllables first (:data:`SYLLABLE_PATTERNS`), a
consonant with its stacked consonants, vowel signs and tone marks, plus the marked final consonant
where the script marks one. On a small en-km/en-my/en-th corpus that lifted Tatoeba khm from 6.1
to 9.3 and tha from 9.8 to 14.3; bare grapheme clusters gave 8.7 and 12.4
(benchmarks/unspaced_scripts.py, docs/multilingual.md). A
dictionary segmenter (PyThaiNLP, ICU) would cut real words, but it cannot live in a
``tokenizer.json``, and a saved model must load in plain ``SentenceTransformer(path)``.

WordPiece turns a whole word into ``[UNK]`` when one of its letters lacks the piece it needs
(a letter seen only word-initially has no ``##`` form), so the vocabulary is completed with both
forms of every letter it learnt (:func:`complete_alphabet`).
"""

from __future__ import annotations

from collections.abc import Iterable

from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers
from tokenizers.models import WordPiece
from tokenizers.trainers import WordPieceTrainer

UNKNOWN_TOKEN = "[UNK]"
CONTINUATION = "##"
# Han ideographs (with extensions and compatibility forms), hiragana and katakana.
CHARACTER_SCRIPTS = r"[\p{Han}\p{Hiragana}\p{Katakana}]"


def _myanmar() -> str:
    """A consonant with its medials and signs, its stacked consonants (virama U+1039) and its
    final consonant, which Burmese marks with asat (U+103A)."""
    letter, sign = r"[\p{Myanmar}&&\p{L}]", r"[\p{Myanmar}&&\p{M}&&[^\x{1039}]]"
    return rf"{letter}{sign}*(?:\x{{1039}}{letter}{sign}*|{letter}(?=\x{{103A}}){sign}*)*"


def _khmer() -> str:
    """A consonant with its subscript consonants (coeng U+17D2) and signs, and a final consonant
    that carries a sign such as bantoc (U+17CB-U+17D1)."""
    letter, sign = r"[\p{Khmer}&&\p{L}]", r"[\p{Khmer}&&\p{M}&&[^\x{17D2}]]"
    return rf"{letter}(?:\x{{17D2}}{letter})*{sign}*(?:{letter}(?=[\x{{17CB}}-\x{{17D1}}]){sign}*)?"


def _thai_lao(consonants: str, leading: str, short_vowels: str, following: str, silencer: str) -> str:
    """A consonant with its leading vowel, signs and following vowel letter; after a vowel sign
    that needs a final consonant (Thai mai han-akat, maitaikhu), that consonant; then a consonant
    made silent (thanthakhat)."""
    consonant = f"[{consonants}]"
    return (
        rf"[{leading}]?{consonant}(?:[{short_vowels}]\p{{M}}*{consonant}|\p{{M}}*)"
        rf"[{following}]?(?:{consonant}{silencer})?"
    )


SYLLABLE_PATTERNS = {
    "Myanmar": _myanmar(),
    "Khmer": _khmer(),
    "Thai": _thai_lao(
        r"\x{0E01}-\x{0E2E}",
        r"\x{0E40}-\x{0E44}",
        r"\x{0E31}\x{0E47}",
        r"\x{0E30}\x{0E32}\x{0E33}\x{0E45}",
        r"\x{0E4C}",
    ),
    "Lao": _thai_lao(
        r"\x{0E81}-\x{0EAE}\x{0EDC}-\x{0EDF}",
        r"\x{0EC0}-\x{0EC4}",
        r"\x{0EB1}\x{0EBB}",
        r"\x{0EB0}\x{0EB2}\x{0EB3}",
        r"\x{0ECC}",
    ),
}
# What the pre-tokeniser isolates before WordPiece: each Han/kana character, each syllable above.
ISOLATED = "|".join([CHARACTER_SCRIPTS, *SYLLABLE_PATTERNS.values()])


def build_untrained_tokenizer(lowercase: bool = True) -> Tokenizer:
    """The normaliser and pre-tokeniser every align static encoder uses, before vocabulary training.

    NFKC folds full-width forms (``！`` -> ``!``), so Chinese and English punctuation share tokens.
    """
    tokenizer = Tokenizer(WordPiece(unk_token=UNKNOWN_TOKEN, max_input_chars_per_word=100))
    steps = [normalizers.NFKC(), normalizers.Lowercase()] if lowercase else [normalizers.NFKC()]
    tokenizer.normalizer = normalizers.Sequence(steps)
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(ISOLATED), behavior="isolated"),
            pre_tokenizers.BertPreTokenizer(),
        ]
    )
    tokenizer.decoder = decoders.WordPiece()
    return tokenizer


def train_tokenizer(
    texts: Iterable[str],
    *,
    vocab_size: int = 50_000,
    min_frequency: int = 2,
    lowercase: bool = True,
    length: int | None = None,
) -> Tokenizer:
    """Learn a WordPiece vocabulary from ``texts`` (both sides of the corpus, streamed).

    ``min_frequency`` 2 keeps tokens seen only once out of the vocabulary: their vectors would be
    trained on a single pair and generalise to nothing. The trainer breaks ties between equally
    frequent merges in hash-map order, which differs between processes, so two runs can learn
    slightly different vocabularies (tokenizers#1794, unfixed upstream).
    """
    tokenizer = build_untrained_tokenizer(lowercase)
    trainer = WordPieceTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=[UNKNOWN_TOKEN],
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer, length=length)
    return complete_alphabet(tokenizer)


def complete_alphabet(tokenizer: Tokenizer) -> Tokenizer:
    """A copy of a WordPiece ``tokenizer`` holding both forms of every single character it has.

    WordPiece has no character fallback: a word with one letter it cannot match becomes one
    ``[UNK]``. The trainer adds a letter's word-initial form only if some word starts with it, and
    its ``##`` form only if some word continues with it. With 9 Telugu pairs in the corpus, the
    letter న was only ever word-initial, and every Telugu word ending in it fell to ``[UNK]``.
    """
    model = tokenizer.model
    if not isinstance(model, WordPiece):
        raise TypeError(f"expected a WordPiece tokenizer, got {type(model).__name__}")
    vocab = tokenizer.get_vocab()
    characters = {
        piece.removeprefix(CONTINUATION) for piece in vocab if len(piece.removeprefix(CONTINUATION)) == 1
    }
    next_id = max(vocab.values()) + 1
    for character in sorted(characters):
        for piece in (character, CONTINUATION + character):
            if piece not in vocab:
                vocab[piece] = next_id
                next_id += 1
    return with_vocabulary(tokenizer, vocab)


def with_vocabulary(tokenizer: Tokenizer, vocab: dict[str, int]) -> Tokenizer:
    """A copy of a WordPiece ``tokenizer`` (normaliser, pre-tokeniser, decoder) with ``vocab``."""
    model = tokenizer.model
    extended = Tokenizer.from_str(tokenizer.to_str())
    extended.model = WordPiece(
        vocab=vocab,
        unk_token=model.unk_token,
        max_input_chars_per_word=model.max_input_chars_per_word,
        continuing_subword_prefix=model.continuing_subword_prefix,
    )
    return extended
