"""The embedding layer: the torch-free static embedder gives sentence-transformers' vectors."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from align.embedding import Embedder, StaticEmbedder, load_embedder
from align.errors import AlignError

# (script, first and last code point of a run of its letters): 24 scripts
SCRIPTS = {
    "Latin": (0x61, 0x7A), "Greek": (0x3B1, 0x3C9), "Cyrillic": (0x430, 0x44F), "Armenian": (0x561, 0x586),
    "Hebrew": (0x5D0, 0x5EA), "Arabic": (0x627, 0x64A), "Devanagari": (0x915, 0x939),
    "Bengali": (0x995, 0x9B9), "Gurmukhi": (0xA15, 0xA39), "Gujarati": (0xA95, 0xAB9),
    "Tamil": (0xB95, 0xBB9), "Telugu": (0xC15, 0xC39), "Kannada": (0xC95, 0xCB9),
    "Malayalam": (0xD15, 0xD39), "Sinhala": (0xD9A, 0xDC6), "Thai": (0xE01, 0xE2E), "Lao": (0xE81, 0xE8A),
    "Tibetan": (0xF40, 0xF6A), "Myanmar": (0x1000, 0x102A), "Georgian": (0x10D0, 0x10FA),
    "Ethiopic": (0x1200, 0x1248), "Khmer": (0x1780, 0x17B3), "Hiragana": (0x3041, 0x3096),
    "Han": (0x4E00, 0x9FA5),
}  # fmt: skip


def _sentences(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    sentences = []
    for _ in range(count):
        words = []
        for _ in range(rng.randint(1, 12)):
            low, high = SCRIPTS[rng.choice(list(SCRIPTS))]
            words.append("".join(chr(rng.randint(low, high)) for _ in range(rng.randint(1, 8))))
        sentences.append(" ".join(words) + rng.choice(["", ".", "?", " 42"]))
    return sentences


@pytest.fixture(scope="module")
def static_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sentence-transformers static model, a BPE vocabulary over 24 scripts, saved as align saves one."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules.normalize import Normalize
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.BpeTrainer(vocab_size=3000, special_tokens=["[UNK]"])
    tokenizer.train_from_iterator(_sentences(3000, seed=1), trainer)
    static = StaticEmbedding(tokenizer, embedding_dim=48)
    model = SentenceTransformer(modules=[static, Normalize()], prompts={"query": "query: ", "document": ""})
    directory = tmp_path_factory.mktemp("static") / "model"
    model.save(str(directory))
    return directory


def test_the_static_embedder_gives_sentence_transformers_vectors(static_model: Path) -> None:
    from align.encode import encode_texts, load_encoder

    texts = [*_sentences(3000, seed=2), "", " ", "🙂", "x" * 50_000, "α" * 20_000 + " 猫"]
    reference = load_encoder(static_model)
    embedder = StaticEmbedder.load(static_model)
    assert isinstance(embedder, Embedder) and embedder.dimension == 48 and embedder.max_length is None
    ours, theirs = embedder(texts), encode_texts(reference, texts)
    assert ours.dtype == np.float32 and ours.shape == theirs.shape == (len(texts), 48)
    assert np.abs(ours - theirs).max() <= 1e-5
    assert not ours[len(texts) - 5].any()  # an empty text: a zero row, as sentence-transformers gives
    queries = embedder(texts[:50], role="query")
    assert np.abs(queries - encode_texts(reference, texts[:50], prompt_name="query")).max() <= 1e-5
    assert np.abs(queries - ours[:50]).max() > 1e-3  # the prompt changes the vectors
    with pytest.raises(AlignError, match="no prompt for the role 'passage'"):
        embedder(texts[:1], role="passage")


def test_load_embedder_runs_a_static_model_without_torch(static_model: Path) -> None:
    script = (
        "import sys\n"
        "from align.embedding import load_embedder\n"
        f"embedder = load_embedder({str(static_model)!r})\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules]\n"
        "rows = embedder(['hello world'])\n"
        "print(type(embedder).__name__, rows.shape, bool(embedder.fingerprint()), heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.split("\n")[0] == "StaticEmbedder (1, 48) True []"


def test_load_embedder_gives_other_models_to_sentence_transformers(
    tiny_model: Path, minilm_path: str
) -> None:
    assert type(load_embedder(tiny_model)).__name__ == "StaticEmbedder"
    transformer = load_embedder(minilm_path)
    assert type(transformer).__name__ == "SentenceTransformerEmbedder"
    assert transformer.dimension == 384 and transformer.max_length is not None
    rows = transformer(["I like tea.", "Tea is what I like."])
    assert np.allclose(np.linalg.norm(rows, axis=1), 1, atol=1e-5)
    with pytest.raises(AlignError, match="there is no directory"):
        load_embedder("./no-such-model")


def test_a_missing_extra_is_named_before_any_work(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import importlib.util

    from typer.testing import CliRunner

    import align.extras
    from align.cli import app

    real = importlib.util.find_spec
    monkeypatch.setattr(
        align.extras.importlib.util, "find_spec", lambda name: None if name == "torch" else real(name)
    )
    with pytest.raises(
        AlignError, match=r"training needs torch, not installed here: pip install 'align\[train\]'"
    ):
        align.extras.require("train", "training")
    result = CliRunner().invoke(
        app, ["train", "--pairs", "en-zh", "--data", str(tmp_path), "-o", str(tmp_path / "m")]
    )
    assert result.exit_code == 2
    assert "align train needs torch, not installed here: pip install 'align[train]'" in result.output


def test_precomputed_vectors_serve_wherever_a_model_does(tiny_model: Path, tmp_path: Path) -> None:
    from align.embedding import PrecomputedEmbeddings
    from align.mining.files import mine_files
    from tests.conftest import COMPOSED

    english, chinese = [e for e, _ in COMPOSED[:30]], [z for _, z in COMPOSED[:30]]
    model = StaticEmbedder.load(tiny_model)
    vectors = PrecomputedEmbeddings(english + chinese, model(english + chinese), "elsewhere")
    assert isinstance(vectors, Embedder) and vectors.dimension == model.dimension
    (tmp_path / "a.en").write_text("\n".join(english) + "\n", encoding="utf-8")
    (tmp_path / "a.zh").write_text("\n".join(chinese) + "\n", encoding="utf-8")
    from_vectors = mine_files(vectors, str(tmp_path / "a.en"), str(tmp_path / "a.zh"), tmp_path / "v.tsv")
    from_model = mine_files(model, str(tmp_path / "a.en"), str(tmp_path / "a.zh"), tmp_path / "m.tsv")
    assert (tmp_path / "v.tsv").read_text(encoding="utf-8") == (tmp_path / "m.tsv").read_text(
        encoding="utf-8"
    )
    assert from_vectors.written == from_model.written > 0
    with pytest.raises(AlignError, match="no precomputed embedding for 'unseen'"):
        vectors(["unseen"])
