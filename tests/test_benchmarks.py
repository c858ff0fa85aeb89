"""benchmarks/: every script parses its options and runs either way, and one small step of each
runs for real on a tiny corpus laid out like ../shared/data (the full runs take minutes to hours)."""

from __future__ import annotations

import gzip
import importlib
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from align.bench.runner import bench_embedder
from align.bench.tatoeba import score_tatoeba
from align.encode import encode_texts, load_encoder
from align.training import DistillConfig, TrainConfig
from benchmarks import common, encoder_figures, multilingual, pools, unspaced_scripts
from tests.conftest import COMPOSED, SHARED_DATA, write_moses

REPOSITORY = Path(__file__).resolve().parents[1]
SCRIPTS = [
    "approximate_mining",
    "core_install",
    "distill_static",
    "docalign_quality",
    "filter_downstream",
    "filter_quality",
    "filter_scale",
    "finetune_e5",
    "hard_negatives",
    "lid_candidates",
    "mine_cluster",
    "mine_quality",
    "mine_scale",
    "multilingual",
    "onnx_embedder",
    "precision",
    "retrieval_latency",
    "sentalign_quality",
    "sentence_split",
    "serve_load",
    "sharded_index",
    "side_by_side",
    "static_ablation",
    "static_embedder",
    "store_crash",
    "store_filters",
    "store_quality",
    "store_scale",
    "store_threads",
    "tatoeba_bench",
    "threads",
    "throughput",
    "train_distributed",
    "train_static",
    "unspaced_scripts",
]
GOLD = COMPOSED[:20]  # the dev sets: captions COMPOSED[:10], microblog COMPOSED[10:20]
CORPUS = COMPOSED[20:]  # train/en-zh
ALSO_IN_CAPTIONS = CORPUS[:5]  # English sides in train/en-de too: their Chinese may not be distractors


def _write(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    common.write_lines(path, lines)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The files the scripts read from ../shared/data, a few dozen lines each."""
    root = tmp_path_factory.mktemp("shared-data")
    write_moses(root / "dev/en-zh", GOLD[:10], name="captions")
    write_moses(root / "dev/en-zh", GOLD[10:], name="microblog")
    write_moses(root / "train/en-zh", CORPUS, name="mixed")
    captions = [f"A photo of {n} dogs." for n in range(30)] + [en for en, _ in ALSO_IN_CAPTIONS]
    _write(root / "train/en-de/captions.en-de.en", [*captions, GOLD[0][0].upper()])
    _write(root / "train/en-fr/captions.en-fr.en", [f"Two cats and {n} birds." for n in range(20)])
    for language, pairs in (("cmn", COMPOSED[:40]), ("deu", COMPOSED[40:80])):
        _write(root / f"eval/tatoeba/tatoeba.{language}-eng.{language}", [zh for _, zh in pairs])
        _write(root / f"eval/tatoeba/tatoeba.{language}-eng.eng", [en for en, _ in pairs])
    _write(root / "eval/flores200-dev/dev.eng_Latn", [en for en, _ in COMPOSED[:30]])
    _write(root / "eval/flores200-dev/dev.zho_Hans", [zh for _, zh in COMPOSED[:30]])
    _write(root / "eval/flores200-dev/dev.deu_Latn", [zh for _, zh in COMPOSED[30:60]])
    challenge = root / "train/tatoeba-challenge"
    challenge.mkdir(parents=True)
    for suffix, lines in (
        ("eng", [f"I go to school {n}." for n in range(30)]),
        ("jpn", [f"学校に行きます{n}。" for n in range(30)]),
    ):
        with gzip.open(
            challenge / f"tatoeba-challenge.eng-jpn.{suffix}.gz", "wt", encoding="utf-8"
        ) as handle:
            handle.write("".join(f"{line}\n" for line in lines))
    return root


@pytest.fixture(scope="module")
def model(tiny_model: Path):
    return load_encoder(tiny_model)


@pytest.mark.parametrize("name", SCRIPTS)
def test_every_script_parses_its_options(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    script = importlib.import_module(f"benchmarks.{name}")
    with pytest.raises(SystemExit) as stopped:
        script.main(["--help"])
    assert stopped.value.code == 0
    assert "--data" in capsys.readouterr().out


def test_the_list_of_scripts_is_complete() -> None:
    with_main = {
        path.stem
        for path in (REPOSITORY / "benchmarks").glob("*.py")
        if re.search(r"^def main\(", path.read_text(encoding="utf-8"), re.MULTILINE)
    }
    assert with_main == set(SCRIPTS)


def test_a_script_runs_as_a_file_from_anywhere_and_as_a_module(tmp_path: Path) -> None:
    as_file = [sys.executable, str(REPOSITORY / "benchmarks/side_by_side.py"), "--help"]
    as_module = [sys.executable, "-m", "benchmarks.side_by_side", "--help"]
    for command, directory in ((as_file, tmp_path), (as_module, REPOSITORY)):
        completed = subprocess.run(command, cwd=directory, capture_output=True, text=True)
        assert completed.returncode == 0, completed.stderr
        assert "side_by_side" in completed.stdout


def test_options_default_to_shared_data_and_the_results_folder() -> None:
    args = common.script_arguments(None, report="mine_quality").parse_args([])
    assert args.data == SHARED_DATA
    assert args.output == REPOSITORY / "benchmarks/results/mine_quality.json"


def test_the_report_has_the_bench_header_then_the_figures(tmp_path: Path) -> None:
    report = common.Report("demo", tmp_path, tmp_path / "demo.json")
    report.write({"seed": 1}, rows=[1, 2])
    written = json.loads((tmp_path / "demo.json").read_text(encoding="utf-8"))
    assert written["task"] == "demo" and written["settings"] == {"seed": 1} and written["rows"] == [1, 2]
    assert list(written)[-1] == "rows"


def test_run_align_times_the_command_and_stops_on_its_failure() -> None:
    run = common.run_align("--help", show_output=False)
    assert "mine" in run.stdout and run.seconds > 0
    with pytest.raises(SystemExit, match="align mine failed"):
        common.run_align("mine", "--no-such-option", show_output=False)


def test_dev_pool_hides_the_gold_without_translations_among_the_distractors(data: Path) -> None:
    folds = pools.dev_pairs(data)
    assert folds == {"captions": GOLD[:10], "microblog": GOLD[10:]}
    pool = pools.build_pool(data, GOLD, distractors=35, seed=1)  # every English distractor there is
    assert len(pool.source_texts) == len(pool.target_texts) == 20 + 35
    assert {(pool.source_texts[s], pool.target_texts[t]) for s, t in pool.gold} == set(GOLD)
    assert GOLD[0][0].upper() not in pool.source_texts  # a gold sentence in other case is no distractor
    assert {en for en, _ in ALSO_IN_CAPTIONS} <= set(pool.source_texts)
    assert not {zh for _, zh in ALSO_IN_CAPTIONS} & set(pool.target_texts)


def test_joined_pool_items_join_two_translations(data: Path) -> None:
    source, target, gold = pools.joined_pool(data, 50, seed=2)
    assert len(source) == len(target) == 50 and len(gold) == 5
    translation = dict(CORPUS)
    for row, column in gold:
        first, second = re.split(r"(?<=\.) ", source[row])
        assert target[column] == translation[first] + translation[second]


def test_mine_quality_scores_each_mode_and_embeds_each_pool_once(model, data: Path) -> None:
    from benchmarks import mine_quality

    pool = pools.build_pool(data, GOLD, distractors=20, seed=1)
    source, target = encode_texts(model, pool.source_texts), encode_texts(model, pool.target_texts)
    rows = mine_quality.mode_rows(source, target, pool.gold)
    modes = [(mode, margin) for mode in ("max", "intersect", "forward") for margin in ("ratio", "absolute")]
    assert [(row["mode"], row["margin"]) for row in rows] == modes
    assert all(0 < row["f1"] <= 100 for row in rows)

    class Counting:
        """The tiny model's embedder, counting its calls."""

        name = "tiny"

        def __init__(self) -> None:
            self.embed = bench_embedder(model, self.name)
            self.calls = 0

        def __call__(self, texts):
            self.calls += 1
            return self.embed(texts)

        def fingerprint(self) -> str:
            return self.embed.fingerprint()

    counting = Counting()
    folds = pools.dev_pairs(data)
    fold_pools = {
        name: pools.build_pool(data, pairs, 10, seed) for seed, (name, pairs) in enumerate(folds.items())
    }
    two_fold = mine_quality.two_fold(counting, fold_pools)
    assert list(two_fold) == ["captions->microblog", "microblog->captions"]
    assert counting.calls == 4  # each pool's two sides, though each pool is tuned on and tested on


def test_encoder_figures_on_a_tiny_model(model, data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(encoder_figures, "DISTRACTORS", 20)
    sample = encoder_figures.rate_sample(data, 100)
    assert len(sample) == 100
    figures = encoder_figures.evaluate(model, data, sample)
    assert set(figures["tatoeba"]) == {"cmn", "deu"} and set(figures["flores"]) == {"zho_Hans", "deu_Latn"}
    assert 0 < figures["mining"]["f1"] <= 100 and figures["sentences_per_second"] > 0
    table = encoder_figures.markdown_table({"tiny": {**figures, "train_seconds": 3}})
    assert table.splitlines()[2].startswith("| tiny | ") and table.endswith("| 3 s |")


def test_mine_scale_recall_against_exact_search(tiny_model: Path, data: Path) -> None:
    from benchmarks import mine_scale

    result = mine_scale.recall_against_exact(str(tiny_model), data, 60, [1])
    assert result["exact_pairs"] >= 1
    # at this size the default index is exact too, so it keeps every pair
    assert result["approximate"][0]["kept_of_exact"] == 100


def test_mine_scale_end_to_end_through_align_mine(tiny_model: Path, data: Path, tmp_path: Path) -> None:
    from benchmarks import mine_scale

    scale = mine_scale.end_to_end(str(tiny_model), data, 60, threshold=0.0, work=tmp_path)
    assert scale["mined"] > 0 and 0 < scale["recall"] <= 100 and scale["wall_seconds"] > 0


def test_mine_cluster_equivalence_and_scale_beside_the_recipe(
    tiny_model: Path, data: Path, tmp_path: Path
) -> None:
    from benchmarks import mine_cluster

    # the local engine keeps this quick; tests/test_mining_sharded.py runs the same on Ray
    same = mine_cluster.equivalence(str(tiny_model), data, 60, tmp_path / "same", engine="local")
    assert same["same_pairs"] and same["max_score_difference"] <= 1e-4 and same["pairs"] > 0
    figures = mine_cluster.scale(str(tiny_model), data, 60, 25, [], tmp_path / "scale")
    memory, local = figures["runs"]
    assert local["engine"] == "local" and local["driver_peak_gb"] > 0 and 0 < local["f1"] <= 100
    assert memory["engine"] == "memory" and memory["f1"] == local["f1"] and "overhead_vs_local" in memory
    assert 0 < figures["st_recipe"]["f1"] <= 100


def test_approximate_mining_compares_each_setting_with_exact_search() -> None:
    from benchmarks import approximate_mining

    rng = np.random.default_rng(0)
    source = rng.normal(size=(400, 8)).astype(np.float32)
    target = source + 0.5 * rng.normal(size=source.shape).astype(np.float32)
    source /= np.linalg.norm(source, axis=1, keepdims=True)
    target /= np.linalg.norm(target, axis=1, keepdims=True)
    gold = {(row, row) for row in range(400)}
    result = approximate_mining.compare(
        source, target, gold, ["IVF8,Flat nprobe=1", "HNSW8,Flat efSearch=16", "default k_factor_rf=4"]
    )
    assert 0 < result["exact_f1"] <= 100 and len(result["settings"]) == 6
    assert result["settings"][-1]["factory"] == "PQ1x4fs,Refine(SQfp16)"  # align's, for 400 of 8 dimensions
    ivf_off, ivf_on = result["settings"][:2]
    assert ivf_off["reverse_neighbours"] == "off" and ivf_on["recall_backward"] >= ivf_off["recall_backward"]
    assert "| `IVF8,Flat` | nprobe=1 | off |" in approximate_mining.markdown("pool", result)


def test_retrieval_latency_queries_one_at_a_time(tiny_model: Path, data: Path) -> None:
    from benchmarks import retrieval_latency

    documents, queries, answers = retrieval_latency.joined_documents(data, 40, 4)
    assert len(documents) == 40 and answers == ["0", "10", "20", "30"]
    figures = retrieval_latency.measure(str(tiny_model), documents, queries, answers)
    assert figures["queries"] == 4 and figures["index"] == "flat" and figures["latency_ms_median"] > 0


def test_store_scale_recall_against_its_own_exact_reference(
    tiny_model: Path, data: Path, tmp_path: Path
) -> None:
    from benchmarks import store_scale

    pool = len(store_scale.pool_sentences(data))
    arguments = [
        "--data",
        str(data),
        "--model",
        str(tiny_model),
        "--documents",
        str(pool + 50),
        "--queries",
        "6",
    ]
    output = tmp_path / "report.json"
    store_scale.main(
        [*arguments, "--against", "none", "--work", str(tmp_path / "w"), "--output", str(output)]
    )
    report = json.loads(output.read_text())
    assert report["pool_sentences"] == pool and report["systems"]["align"]["index"] == "flat"
    searches = report["systems"]["align"]["searches"]
    assert set(searches) == set(store_scale.FILTERS)
    assert all(figures["recall_at_10"] == 1.0 for figures in searches.values())  # a flat store is exact
    texts = (tmp_path / "w" / "texts.txt").read_text(encoding="utf-8").splitlines()
    assert len(texts) == pool + 50 and len(set(texts)) > pool  # past the pool, pairs of sentences


def test_store_threads_searches_beside_a_writer_and_stops_by_itself(tiny_model: Path, tmp_path: Path) -> None:
    from benchmarks import store_threads

    output = tmp_path / "threads.json"
    arguments = [
        "--model",
        str(tiny_model),
        "--documents",
        "2000",
        "--seconds",
        "0.3",
        "--output",
        str(output),
    ]
    store_threads.main(arguments)
    settings = json.loads(output.read_text())["runs"]
    assert len(settings) == 2 * len(store_threads.THREADS)
    assert all(entry["searches_per_second"] > 0 for entry in settings.values())
    assert settings["2 searching, 1 writing"]["documents_written_per_second"] > 0


def test_serve_load_drives_a_server_with_batching_on_and_off(
    tiny_model: Path, data: Path, tmp_path: Path
) -> None:
    pytest.importorskip("fastapi")
    from benchmarks import serve_load

    output = tmp_path / "load.json"
    arguments = ["--data", str(data), "--model", f"tiny={tiny_model}", "--seconds", "0.5", "--clients", "1,4"]
    serve_load.main([*arguments, "--output", str(output)])
    runs = json.loads(output.read_text())["runs"]["tiny"]
    for batching in ("batching on", "batching off"):
        for clients in ("1", "4"):
            entry = runs[batching][clients]
            assert entry["requests_per_second"] > 0 and entry["errors"] == 0 and entry["server_peak_mib"] > 0
    assert set(runs["on / off, requests a second"]) == {"1", "4"}


def test_tatoeba_bench_independent_computation_agrees(model, data: Path) -> None:
    from benchmarks import tatoeba_bench

    independent = tatoeba_bench.independent_accuracy(model, data / "eval/tatoeba", "cmn")
    score = score_tatoeba(bench_embedder(model, "model"), data / "eval/tatoeba", "cmn")
    # exact ties may fall differently (FAISS against argmax): one of 40 sentences is 2.5 points
    assert independent == pytest.approx((score.xx_to_en, score.en_to_xx), abs=2.5)


def test_throughput_encode_rate_and_plot(tiny_model: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from benchmarks import throughput

    assert throughput.encode_rate(str(tiny_model), [en for en, _ in COMPOSED]) > 0
    throughput.plot_mining({1000: 1.5, 10_000: 3.0}, tmp_path / "mining.png")
    assert (tmp_path / "mining.png").stat().st_size > 0


def test_train_static_plain_recipe_trains(data: Path, tmp_path: Path) -> None:
    from benchmarks import train_static

    sources, targets = train_static.read_moses_dir(data / "train/en-zh", "en", "zh")
    assert list(zip(sources, targets, strict=True)) == CORPUS
    model = train_static.train_plain_recipe(sources[:40], targets[:40], tmp_path)
    assert encode_texts(model, ["I like tea."]).shape == (1, 512)


def test_training_variants_are_valid_settings() -> None:
    from benchmarks import distill_static, static_ablation

    for overrides in distill_static.ABLATION.values():
        DistillConfig(teacher="teacher", pairs="en-zh", output="student", **overrides)
    for overrides in static_ablation.SETTINGS.values():
        TrainConfig(pairs="en-zh", output="model", **overrides)


def test_side_by_side_runs_align_bench_as_a_user_types_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchmarks import side_by_side

    commands: list[list[str]] = []
    monkeypatch.setattr(
        side_by_side, "run_align", lambda *arguments: commands.append(list(map(str, arguments)))
    )
    side_by_side.main(
        ["--model", "A", "--model", "B", "--data", str(tmp_path), "--output-dir", str(tmp_path)]
    )
    assert [command[:6] for command in commands] == [
        ["bench", "tatoeba", "--model", "A", "--model", "B"],
        ["bench", "retrieval", "--model", "A", "--model", "B"],
    ]
    assert str(tmp_path / "side_by_side_tatoeba.png") in commands[0]


@pytest.mark.skipif(not (SHARED_DATA / "dev/en-zh").is_dir(), reason="../shared/data is not here")
def test_dev_pool_from_shared_data() -> None:
    folds = pools.dev_pairs(SHARED_DATA)
    assert [len(pairs) for pairs in folds.values()] == [1000, 1250]
    gold = folds["captions"] + folds["microblog"]
    pool = pools.build_pool(SHARED_DATA, gold, distractors=500, seed=1)
    assert len(pool.gold) == 2250 and len(pool.source_texts) == len(pool.target_texts) == 2750
    assert {(pool.source_texts[s], pool.target_texts[t]) for s, t in pool.gold} == set(gold)


def test_multilingual_scores_split_trained_and_other_languages(
    model, data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(multilingual, "FLORES", ("zho_Hans", "deu_Latn"))
    monkeypatch.setattr(multilingual, "SHOWN", ("cmn", "deu"))
    train_dir = multilingual.training_data(data, tmp_path, with_challenge=False)
    trained = multilingual.trained_languages(train_dir)
    assert trained == ["zh"]  # train/en-de and en-fr hold English sides only
    scores = multilingual.scores(model, data, trained)
    assert (scores["trained_languages"], scores["other_languages"]) == (1, 1)
    assert scores["sentences_per_second"] > 0
    assert scores["tatoeba_trained_mean"] == scores["tatoeba"]["cmn"]
    assert scores["tatoeba_other_mean"] == scores["tatoeba"]["deu"]
    assert scores["tatoeba_mean"] == pytest.approx(
        (scores["tatoeba"]["cmn"] + scores["tatoeba"]["deu"]) / 2, abs=0.01
    )
    row = {"name": "tiny", "data": "toy", "scores": {**scores, "flores": {"zho_Hans": 1.0, "deu_Latn": 2.0}}}
    assert multilingual.markdown([row]).splitlines()[-1].startswith("| tiny | toy |")
    for overrides in multilingual.ABLATION.values():
        TrainConfig(pairs="en-*", output="m", **overrides)


def test_unspaced_scripts_trains_and_scores_each_pre_tokenisation(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(unspaced_scripts, "PAIRS", "en-zh")
    monkeypatch.setattr(unspaced_scripts, "LANGUAGES", "cmn")
    runs = [
        unspaced_scripts.run_variant(pattern, data, seed=0, epochs=1, work=tmp_path)
        for pattern in unspaced_scripts.VARIANTS.values()
    ]
    assert all(set(run["tatoeba"]) == {"cmn"} and 0 <= run["tatoeba"]["cmn"] <= 100 for run in runs)
    results = {
        name: {"runs": [run], "mean": unspaced_scripts.summary([run])}
        for name, run in zip(unspaced_scripts.VARIANTS, runs, strict=True)
    }
    assert unspaced_scripts.markdown(results).splitlines()[-1].startswith("| syllables (default) |")


def test_sharded_index_with_exact_shards_finds_the_exact_neighbours() -> None:
    from benchmarks import sharded_index

    rows = np.random.default_rng(0).normal(size=(700, 16)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    base, queries = rows[:600], rows[600:]
    exact = sharded_index.exact_ids(base, queries, block=250)
    np.testing.assert_array_equal(exact, np.argsort(-(queries @ base.T), axis=1)[:, : sharded_index.K])
    shards = sharded_index.ShardedIndex(base, 250, lambda _: "Flat")  # 250 + 250 + 100: ids run on
    assert len(shards.parts) == 3 and sharded_index.recall(shards(queries), exact) == 100.0


def test_filter_quality_counts_clean_kept_and_each_noise_removed() -> None:
    from benchmarks.filter_quality import NOISE_TYPES, meets_targets, shares

    labels = ["clean"] * 10 + [kind for kind in NOISE_TYPES for _ in range(10)]
    kept = np.array([True] * 9 + [False] + [False] * 10 * len(NOISE_TYPES))
    kept[10] = True  # one misaligned pair through
    result = shares(kept, labels)
    assert result["clean"] == 90.0 and result["misaligned"] == 90.0 and result["copy"] == 100.0
    assert result["noise"] == round(100 * (1 - 1 / 60), 1)
    assert meets_targets(result)
    assert not meets_targets({**result, "misaligned": 89.9})


def test_filter_downstream_injects_a_fifth_of_labelled_noise(data: Path) -> None:
    from benchmarks.filter_downstream import noisy_corpus

    rows = noisy_corpus(data)
    labels = Counter(label for _, _, label in rows)
    assert labels["clean"] == len(CORPUS)
    assert abs(sum(labels.values()) - labels["clean"] - 0.25 * len(CORPUS)) <= 4
    assert {"misaligned", "Japanese target", "near-copy", "English target"} <= set(labels)


def test_filter_scale_numbers_every_copy_of_a_pair(data: Path, tmp_path: Path) -> None:
    from benchmarks.filter_scale import write_bitext

    source, target = write_bitext(data, 250, tmp_path)
    english, chinese = common.read_lines(source), common.read_lines(target)
    assert len(english) == len(chinese) == 250 and len(set(zip(english, chinese, strict=True))) == 250


def test_docalign_task_hides_true_pairs_among_each_kind_of_distractor() -> None:
    from benchmarks.docalign_quality import build_task

    english = [f"English sentence {i}." for i in range(200)]
    other = [f"Autre phrase {i}." for i in range(200)]
    tasks = {
        c: build_task(english, other, c, seed=1) for c in ("clean", "unrelated", "overlapping", "boilerplate")
    }
    clean = tasks["clean"]
    assert len(clean.sources) == len(clean.targets) == len(clean.gold)
    targets = {document.id: document for document in clean.targets}
    for source in clean.sources:  # a partner translates its source, some sentences joined or left out
        partner = " ".join(targets[clean.gold[source.id]].sentences)
        assert set(re.findall(r"\d+", partner)) <= set(re.findall(r"\d+", " ".join(source.sentences)))
    unrelated = tasks["unrelated"]
    assert len(unrelated.sources) > len(unrelated.gold) and len(unrelated.targets) > len(unrelated.gold)
    overlapping = tasks["overlapping"]
    overlaps = [d for d in overlapping.targets if "overlap" in d.id]
    assert len(overlaps) == len(overlapping.gold) - 1
    assert all(
        d.sentences[0] == other[0] and d.sentences[-1] == other[1] for d in tasks["boilerplate"].targets
    )
    assert all(d.sentences[0] == english[0] for d in tasks["boilerplate"].sources)


@pytest.mark.slow
def test_train_distributed_compares_torchrun_with_one_process_at_the_same_global_batch(
    data: Path, tmp_path: Path
) -> None:
    from benchmarks import train_distributed

    output = tmp_path / "distributed.json"
    arguments = ["--data", str(data), "--global-batch", "16", "--epochs", "2", "--output", str(output)]
    train_distributed.main(arguments)
    runs = json.loads(output.read_text())["runs"]
    one, two = runs["1 process"], runs["torchrun, 2 processes"]
    assert one["global_batch"] == two["global_batch"] == 16 and two["batch_per_process"] == 8
    assert two["gather_negatives"] and not one["gather_negatives"]
    assert one["steps"] == two["steps"] and all(run["tatoeba"]["mean"] >= 0 for run in (one, two))


@pytest.mark.slow
def test_hard_negatives_compares_the_recipe_with_and_without_them(data: Path, tmp_path: Path) -> None:
    from benchmarks import hard_negatives

    output = tmp_path / "negatives.json"
    hard_negatives.main(["--data", str(data), "--epochs", "2", "--no-mining", "--output", str(output)])
    runs = json.loads(output.read_text())["runs"]
    assert [run["hard_negatives"] for run in runs.values()] == [0, 1, 1]
    assert [run["refresh_negatives"] for run in runs.values()] == [None, "once", "epoch"]
    assert all(run["tatoeba_cmn"]["mean"] >= 0 for run in runs.values())
