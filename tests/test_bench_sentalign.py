"""`align bench sentalign`: both layouts found, scores by hand (strict, lax, pooled), the cache,
clear errors, and the command end to end."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from align.bench.cache import ResultCache
from align.bench.runner import BenchmarkRun, run_benchmarks
from align.bench.sentalign import SentalignTask, pooled_scores, read_document_pairs
from align.cli import app
from align.errors import AlignError, InputFormatError
from align.sentalign.config import SentalignConfig
from align.sentalign.links import Link
from tests.conftest import COMPOSED

# German and French sentences of the same meaning (written for these tests).
MEANINGS = [
    ("Der Zug fährt um acht Uhr ab.", "Le train part à huit heures."),
    ("Es regnet seit dem frühen Morgen.", "Il pleut depuis le petit matin."),
    ("Meine Schwester wohnt in Genf.", "Ma sœur habite à Genève."),
    ("Wir gehen morgen in die Berge.", "Nous allons à la montagne demain."),
    ("Die Hütte liegt auf zweitausend Metern.", "Le refuge se trouve à deux mille mètres."),
    ("Der Weg war steil und nass.", "Le chemin était raide et mouillé."),
    ("Am Abend assen wir Käse.", "Le soir, nous avons mangé du fromage."),
    ("Niemand wollte früh schlafen.", "Personne ne voulait dormir tôt."),
    ("Der Gipfel lag im Nebel.", "Le sommet était dans le brouillard."),
    ("Zum Glück kam die Sonne heraus.", "Heureusement, le soleil est sorti."),
]


class MeaningEmbedder:
    """A sentence's vector is the meanings it holds: a run of sentences and its translation get
    cosine 1, unrelated ones nearly 0."""

    name = "meanings"

    def __init__(self) -> None:
        self.texts = 0

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += len(texts)
        rows = np.zeros((len(texts), len(MEANINGS) + 1), dtype=np.float32)
        rows[:, -1] = 0.05  # no zero rows
        for row, text in enumerate(texts):
            for meaning, (german, french) in enumerate(MEANINGS):
                rows[row, meaning] += (german in text) + (french in text)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    def fingerprint(self) -> str:
        return "meanings-1"


# (German lines, French lines), each line the meanings it holds: one link of the gold.
Groups = list[tuple[list[tuple[int, ...]], list[tuple[int, ...]]]]
ONE_TO_ONE: Groups = [([(i,)], [(i,)]) for i in range(6)]
WITH_MERGE: Groups = [
    ([(0,)], [(0,)]),
    ([(1,)], [(1,)]),
    ([(2,), (3,)], [(2, 3)]),  # two German sentences, one French
    ([(4,)], [(4,)]),
    ([(5,)], [(5,)]),
    ([(6,)], [(6,)]),
]


def document(groups: Groups) -> tuple[str, str, str]:
    """German text, French text and the gold links, in Vecalign's format."""
    german: list[str] = []
    french: list[str] = []
    gold = []
    for german_lines, french_lines in groups:
        source = list(range(len(german), len(german) + len(german_lines)))
        target = list(range(len(french), len(french) + len(french_lines)))
        german += [" ".join(MEANINGS[m][0] for m in line) for line in german_lines]
        french += [" ".join(MEANINGS[m][1] for m in line) for line in french_lines]
        gold.append(f"{source}:{target}")
    return "\n".join(german) + "\n", "\n".join(french) + "\n", "\n".join(gold) + "\n"


def write_bleualign(directory: Path, name: str, groups: Groups, gold: str | None = None) -> None:
    """Vecalign's bleualign_data layout: NAME.de, NAME.fr, NAME.defr."""
    directory.mkdir(parents=True, exist_ok=True)
    german, french, links = document(groups)
    (directory / f"{name}.de").write_text(german, encoding="utf-8")
    (directory / f"{name}.fr").write_text(french, encoding="utf-8")
    (directory / f"{name}.defr").write_text(gold or links, encoding="utf-8")


def write_textberg(directory: Path, name: str, groups: Groups, gold: str | None = None) -> None:
    """Bertalign's text+berg layout: de/NAME, fr/NAME, gold/NAME."""
    german, french, links = document(groups)
    for folder, text in (("de", german), ("fr", french), ("gold", gold or links)):
        (directory / folder).mkdir(parents=True, exist_ok=True)
        (directory / folder / name).write_text(text, encoding="utf-8")


# Gold that joins the aligner's [2]:[2] and [3]:[3] into one link: strictly two wrong, laxly right.
JOINED_GOLD = "[0]:[0]\n[1]:[1]\n[2, 3]:[2, 3]\n[4]:[4]\n[5]:[5]\n"


def test_the_vecalign_layout_is_found_and_a_perfect_alignment_scores_100(tmp_path: Path) -> None:
    write_bleualign(tmp_path, "dev", WITH_MERGE)
    (tmp_path / "README").write_text("not a document\n", encoding="utf-8")
    (languages, [dev]) = read_document_pairs(tmp_path)
    assert languages == ("de", "fr") and dev.name == "dev"
    assert (len(dev.sources), len(dev.targets), len(dev.gold)) == (7, 6, 6)
    task = SentalignTask(tmp_path)
    result = task.evaluate(MeaningEmbedder())
    [score] = result.documents
    assert score.scores.strict_f1 == 100.0 and score.scores.lax_f1 == 100.0 and result.main_score == 100.0
    assert result.to_json()["documents"][0]["gold_links"] == 6
    assert result.rows() == [("dev", ["100.0", "100.0", "100.0", "100.0"])]  # no pooled row for one
    assert task.metadata.settings["max_concat"] == 4 and task.metadata.languages == ("de", "fr")
    assert task(MeaningEmbedder())["main_score"] == 100.0  # sentence-transformers' evaluator shape


def test_a_wrong_link_gives_the_exact_figures_and_documents_are_pooled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_bleualign(tmp_path, "a", ONE_TO_ONE)
    write_bleualign(tmp_path, "b", ONE_TO_ONE, gold=JOINED_GOLD)
    result = SentalignTask(tmp_path, "de", "fr").evaluate(MeaningEmbedder())
    err = capsys.readouterr().err  # a bar over the documents, naming the one being aligned
    assert "Sentence alignment" in err and ", a]" in err and "2/2" in err and ", b]" in err
    perfect, joined = result.documents
    assert perfect.scores.strict_f1 == 100.0
    # b: 6 links found, 5 gold; 4 found exactly: P 4/6, R 4/5; laxly every link overlaps one of the other
    assert joined.scores.strict_precision == pytest.approx(100 * 4 / 6)
    assert joined.scores.strict_recall == pytest.approx(100 * 4 / 5)
    assert joined.scores.strict_f1 == pytest.approx(100 * 2 * 4 / (6 + 5))
    assert joined.scores.lax_f1 == 100.0
    # pooled, Vecalign's way: 10 of 12 found links exact, 10 of 11 gold links found (not the mean F1)
    assert result.main_score == pytest.approx(100 * 2 * 10 / (12 + 11))
    assert result.pooled.strict_precision == pytest.approx(100 * 10 / 12)
    rows = dict(result.rows())
    assert rows["**pooled (2)**"][2] == f"**{100 * 20 / 23:.1f}**"
    report = result.to_json()
    assert report["pooled"]["documents"] == 2
    assert report["pooled"]["strict_f1"] == round(100 * 20 / 23, 2)


def test_pooling_shifts_each_documents_sentence_numbers() -> None:
    gold = [Link((0,), (0,)), Link((1,), (1,))]
    # the same links in two documents: counted twice, never matched across documents
    scores = pooled_scores([(gold, gold, (2, 2)), (gold, [Link((0, 1), (0, 1))], (2, 2))])
    assert scores.strict_precision == pytest.approx(100 * 2 / 3)
    assert scores.strict_recall == pytest.approx(100 * 2 / 4)
    assert scores.lax_precision == 100.0


def test_the_bertalign_layout_and_which_folder_is_the_source(tmp_path: Path) -> None:
    write_textberg(tmp_path, "001", WITH_MERGE)  # 7 German sentences, 6 French
    write_textberg(tmp_path, "002", ONE_TO_ONE)
    # fr→de would link sentence 6 of a 6-sentence document: only de→fr fits the gold
    languages, documents = read_document_pairs(tmp_path)
    assert languages == ("de", "fr") and [d.name for d in documents] == ["001", "002"]
    assert documents[0].source_path == tmp_path / "de" / "001"
    result = SentalignTask(tmp_path).evaluate(MeaningEmbedder())
    assert [d.scores.strict_f1 for d in result.documents] == [100.0, 100.0]

    both = tmp_path / "both"
    write_textberg(both, "001", ONE_TO_ONE)  # either order fits: the languages must say
    with pytest.raises(AlignError, match=r"de-fr, fr-de: say which with --src-lang and --tgt-lang"):
        read_document_pairs(both)
    languages, [reverse] = read_document_pairs(both, "fra", "deu")  # any form of the code
    assert languages == ("fr", "de") and reverse.source_path == both / "fr" / "001"


def test_results_are_cached_per_document_and_renewed_when_a_document_changes(tmp_path: Path) -> None:
    write_bleualign(tmp_path / "data", "a", ONE_TO_ONE)
    write_bleualign(tmp_path / "data", "b", WITH_MERGE)
    embed = MeaningEmbedder()
    cache = ResultCache(tmp_path / "cache", embed)
    first = SentalignTask(tmp_path / "data").evaluate(embed, cache)
    assert embed.texts > 0
    embed.texts = 0
    again = SentalignTask(tmp_path / "data").evaluate(embed, cache)
    assert embed.texts == 0 and again == first  # nothing embedded: every document from the cache
    assert sorted(p.name for p in (cache.directory).glob("sentalign-*/*.json")) == ["a.json", "b.json"]

    changed = SentalignTask(tmp_path / "data", config=SentalignConfig(max_concat=3)).evaluate(embed, cache)
    assert embed.texts > 0 and changed.main_score == 100.0  # other settings: another cache key
    embed.texts = 0
    write_bleualign(tmp_path / "data", "a", ONE_TO_ONE[:5])  # edited: aligned again, b still cached
    SentalignTask(tmp_path / "data").evaluate(embed, cache)
    assert embed.texts == sum(range(5 - 3, 5 + 1)) * 2  # runs of 1..4 sentences of a's two sides


def test_clear_errors_name_the_directory_and_the_file(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(AlignError, match=r"empty: no document pairs with gold alignments.*bleualign_data"):
        SentalignTask(tmp_path / "empty")
    write_bleualign(tmp_path / "data", "dev", ONE_TO_ONE)
    with pytest.raises(AlignError, match=r"no document pairs with gold alignments for en-\*"):
        SentalignTask(tmp_path / "data", src_lang="en")
    write_bleualign(tmp_path / "data", "dev", ONE_TO_ONE, gold="[0]:[0]\n[1]-[1]\n")
    with pytest.raises(InputFormatError, match=r"dev\.defr:2: expected SRC:TGT"):
        SentalignTask(tmp_path / "data")
    write_bleualign(tmp_path / "data", "dev", ONE_TO_ONE, gold="[0]:[0]\n[1]:[6]\n")
    with pytest.raises(InputFormatError, match=r"dev\.defr: links target sentence 6 .*has 6 sentences"):
        SentalignTask(tmp_path / "data")
    write_bleualign(tmp_path / "data", "dev", ONE_TO_ONE)
    (tmp_path / "data" / "dev.en").write_text("One.\n", encoding="utf-8")
    (tmp_path / "data" / "dev.deen").write_text("[0]:[0]\n", encoding="utf-8")
    with pytest.raises(AlignError, match="de-en, de-fr: say which with --src-lang"):
        SentalignTask(tmp_path / "data")
    assert SentalignTask(tmp_path / "data", tgt_lang="fr").metadata.languages == ("de", "fr")


def test_the_report_and_table_through_the_runner(tmp_path: Path) -> None:
    write_bleualign(tmp_path, "a", ONE_TO_ONE)
    write_bleualign(tmp_path, "b", ONE_TO_ONE, gold=JOINED_GOLD)
    [run] = run_benchmarks([SentalignTask(tmp_path)], [MeaningEmbedder()], use_cache=False)
    assert isinstance(run, BenchmarkRun)
    table = run.markdown().splitlines()
    assert table[0] == "| model | document | strict P | strict R | strict F1 | lax F1 |"
    assert "| meanings | b | 66.7 | 80.0 | 72.7 | 100.0 |" in table
    report = run.report()
    assert report["task"] == "sentalign" and report["settings"]["deletion"] == 0.7
    assert report["settings"]["documents"] == ["a", "b"]
    json.dumps(report)


def test_cli_bench_sentalign_end_to_end(tiny_model: Path, tmp_path: Path) -> None:
    """The tiny en-zh model aligns sentences it was trained on: Vecalign's layout, en→zh."""
    english = [en for en, _ in COMPOSED[:12]]
    chinese = [zh for _, zh in COMPOSED[:12]]
    chinese[3:5] = [chinese[3] + chinese[4]]  # one Chinese line for two English ones
    gold = [f"[{i}]:[{i}]" for i in range(3)] + ["[3, 4]:[3]"] + [f"[{i}]:[{i - 1}]" for i in range(5, 12)]
    data = tmp_path / "data"
    data.mkdir()
    (data / "doc.en").write_text("\n".join(english) + "\n", encoding="utf-8")
    (data / "doc.zh").write_text("\n".join(chinese) + "\n", encoding="utf-8")
    (data / "doc.enzh").write_text("\n".join(gold) + "\n", encoding="utf-8")
    arguments = ["bench", "sentalign", "--model", str(tiny_model), "--data", str(data)]
    arguments += ["--cache-dir", str(tmp_path / "cache"), "--output", str(tmp_path / "report.json")]
    result = CliRunner().invoke(app, [*arguments, "--max-concat", "3"])
    assert result.exit_code == 0, result.output
    assert "| doc |" in result.output and "Wrote" in result.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["task"] == "sentalign" and report["settings"]["max_concat"] == 3
    assert report["settings"]["src_lang"] == "en" and report["settings"]["tgt_lang"] == "zh"
    [entry] = report["models"]
    assert entry["documents"][0]["source_sentences"] == 12 and entry["pooled"]["strict_f1"] > 50
    plotted = CliRunner().invoke(app, [*arguments, "--plot", str(tmp_path / "p.png")])
    assert plotted.exit_code == 2 and "No such option: --plot" in plotted.output
    empty = tmp_path / "empty"
    empty.mkdir()
    missing = CliRunner().invoke(
        app, ["bench", "sentalign", "--model", str(tiny_model), "--data", str(empty)]
    )
    assert missing.exit_code == 2 and "no document pairs with gold alignments" in missing.output
