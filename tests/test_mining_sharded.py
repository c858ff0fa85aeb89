"""Sharded mining: the same pairs as in-memory mining for any shard size, resumable, on Ray too."""

from __future__ import annotations

import functools
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from align.cli import app
from align.encode import load_encoder
from align.errors import AlignError
from align.mining.config import MiningConfig
from align.mining.files import mine_files
from align.mining.sharded import ShardedMining, ShardingConfig
from tests.conftest import COMPOSED

runner = CliRunner()


@pytest.fixture
def pool(tmp_path: Path) -> tuple[Path, Path]:
    """English and Chinese files: 50 translations shuffled among 20 unpaired sentences a side,
    with blank and space-padded lines (which both paths must skip and number alike)."""
    rng = random.Random(11)
    english = [en for en, _ in COMPOSED[:50]] + [en for en, _ in COMPOSED[50:70]]
    chinese = [zh for _, zh in COMPOSED[:50]] + [zh for _, zh in COMPOSED[70:90]]
    rng.shuffle(english)
    rng.shuffle(chinese)
    english.insert(3, "")
    chinese.insert(9, "  padded   line  ")
    src, tgt = tmp_path / "pool.en", tmp_path / "pool.zh"
    src.write_text("".join(f"{line}\n" for line in english), encoding="utf-8")
    tgt.write_text("".join(f"{line}\n" for line in chinese), encoding="utf-8")
    return src, tgt


def rows_of(path: Path) -> list[list[str]]:
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]


def assert_same_pairs(expected: Path, actual: Path) -> None:
    """Same pairs in the same order, with line numbers; scores equal to 1e-4."""
    want, got = rows_of(expected), rows_of(actual)
    assert [row[1:] for row in got] == [row[1:] for row in want]
    assert np.allclose([float(row[0]) for row in got], [float(row[0]) for row in want], atol=1e-4)


@pytest.mark.parametrize("mode", ["max", "intersect", "forward", "backward"])
def test_sharded_mining_gives_the_in_memory_pairs_for_any_shard_size(
    tiny_model: Path, pool, tmp_path: Path, mode: str
) -> None:
    src, tgt = pool
    config = MiningConfig(mode=mode, factory="Flat")
    mine_files(
        load_encoder(str(tiny_model)), str(src), str(tgt), tmp_path / "memory.tsv", config, line_numbers=True
    )
    for shard_size in (1, 7, 1_000):
        output = tmp_path / f"sharded-{shard_size}.tsv"
        report = ShardedMining(
            str(tiny_model),
            str(src),
            str(tgt),
            str(output),
            config,
            ShardingConfig(shard_size=shard_size),
            line_numbers=True,
        ).run()
        assert_same_pairs(tmp_path / "memory.tsv", output)
        assert report.sizes == (70, 71)
        assert not Path(f"{output}.work").exists()  # the default work directory goes when done


def test_an_approximate_index_builds_as_the_in_memory_path_builds_it(
    tiny_model: Path, pool, tmp_path
) -> None:
    src, tgt = pool
    config = MiningConfig(factory="IVF4,Flat", nprobe=2)
    mine_files(load_encoder(str(tiny_model)), str(src), str(tgt), tmp_path / "memory.tsv", config)
    ShardedMining(
        str(tiny_model), str(src), str(tgt), str(tmp_path / "s.tsv"), config, ShardingConfig(shard_size=9)
    ).run()
    assert_same_pairs(tmp_path / "memory.tsv", tmp_path / "s.tsv")


def test_a_rerun_reuses_finished_shards_and_a_changed_setting_redoes_what_it_changes(
    tiny_model: Path, pool, tmp_path: Path
) -> None:
    src, tgt = pool
    work = tmp_path / "work"
    sharding = ShardingConfig(shard_size=20, work_dir=str(work))

    def run(k: int, output: str) -> list[str]:
        mining = MiningConfig(factory="Flat", k=k)
        report = ShardedMining(
            str(tiny_model), str(src), str(tgt), str(tmp_path / output), mining, sharding
        ).run()
        return report.notes

    first = run(4, "a.tsv")
    assert re.search(r"source/embeddings 0 reused / 4 made in \d+\.\d s", first[0])  # and timed
    (work / "forward" / "search" / "00002.npz").unlink()  # as if the run had died there
    again = run(4, "b.tsv")
    assert "source/embeddings 4 reused / 0 made" in again[0]
    assert "forward/search 3 reused / 1 made" in again[0]
    assert (tmp_path / "a.tsv").read_bytes() == (tmp_path / "b.tsv").read_bytes()
    changed = run(3, "c.tsv")
    assert "target/embeddings 4 reused / 0 made" in changed[0]
    assert "forward/search 0 reused / 4 made" in changed[0]


def test_an_edited_input_is_resharded(tiny_model: Path, pool, tmp_path: Path) -> None:
    src, tgt = pool
    sharding = ShardingConfig(shard_size=30, work_dir=str(tmp_path / "work"))
    ShardedMining(str(tiny_model), str(src), str(tgt), str(tmp_path / "a.tsv"), sharding=sharding).run()
    with open(src, "a", encoding="utf-8") as handle:
        handle.write("A new last line.\n")
    report = ShardedMining(
        str(tiny_model), str(src), str(tgt), str(tmp_path / "b.tsv"), sharding=sharding
    ).run()
    assert "source/shards 0 reused / 3 made" in report.notes[0]
    assert report.sizes == (71, 71)


def test_a_work_dir_of_another_run_is_refused(tiny_model: Path, pool, tmp_path: Path) -> None:
    src, tgt = pool
    work = tmp_path / "work"
    sharding = ShardingConfig(shard_size=30, work_dir=str(work))
    ShardedMining(str(tiny_model), str(src), str(tgt), str(tmp_path / "a.tsv"), sharding=sharding).run()
    with pytest.raises(AlignError, match="holds the shards of another run"):
        ShardedMining(str(tiny_model), str(tgt), str(src), str(tmp_path / "b.tsv"), sharding=sharding).run()
    (tmp_path / "stranger").mkdir()
    (tmp_path / "stranger" / "notes.txt").write_text("mine", encoding="utf-8")
    stranger = ShardingConfig(work_dir=str(tmp_path / "stranger"))
    with pytest.raises(AlignError, match="not an align work directory"):
        ShardedMining(str(tiny_model), str(src), str(tgt), str(tmp_path / "c.tsv"), sharding=stranger).run()


def test_gold_calibration_and_threshold_work_in_shards(tiny_model: Path, pool, tmp_path: Path) -> None:
    src, tgt = pool
    english, chinese = (path.read_text(encoding="utf-8").splitlines() for path in pool)
    gold = tmp_path / "gold.tsv"
    gold.write_text(
        "".join(f"{english.index(en) + 1}\t{chinese.index(zh) + 1}\n" for en, zh in COMPOSED[:50]),
        encoding="utf-8",
    )
    config = MiningConfig(factory="Flat")
    memory = mine_files(
        load_encoder(str(tiny_model)), str(src), str(tgt), tmp_path / "m.tsv", config, gold_path=str(gold)
    )
    sharded = ShardedMining(
        str(tiny_model),
        str(src),
        str(tgt),
        str(tmp_path / "s.tsv"),
        config,
        ShardingConfig(shard_size=16),
        gold=str(gold),
    ).run()
    assert sharded.calibration is not None and memory.calibration is not None
    assert sharded.threshold == pytest.approx(memory.threshold, abs=1e-4)
    assert sharded.written == memory.written
    assert_same_pairs(tmp_path / "m.tsv", tmp_path / "s.tsv")


KILLABLE_RUN = """
import sys, time
from align.mining.sharded import stages, search as neighbour_stages
from align.mining.sharded import ShardedMining, ShardingConfig
from align.mining.config import MiningConfig

search = stages.search_shard
def slow_search(task):
    result = search(task)
    time.sleep(0.5)  # room for the test to send SIGTERM between two search shards
    return result
neighbour_stages.search_shard = slow_search
model, src, tgt, output, work = sys.argv[1:]
ShardedMining(model, src, tgt, output, MiningConfig(factory="Flat"),
              ShardingConfig(shard_size=10, work_dir=work)).run()
"""


def test_a_driver_killed_during_search_resumes_with_the_same_output(tiny_model: Path, pool, tmp_path) -> None:
    src, tgt = pool
    work = tmp_path / "work"
    args = [str(tiny_model), str(src), str(tgt), str(tmp_path / "killed.tsv"), str(work)]
    process = subprocess.Popen([sys.executable, "-c", KILLABLE_RUN, *args], cwd=Path(__file__).parents[1])
    searched = work / "forward" / "search"
    deadline = time.monotonic() + 120
    while not (searched.is_dir() and list(searched.glob("*.npz"))) and time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before its search stage"
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == -signal.SIGTERM
    assert not (tmp_path / "killed.tsv").exists()
    report = ShardedMining(
        str(tiny_model),
        str(src),
        str(tgt),
        str(tmp_path / "killed.tsv"),
        MiningConfig(factory="Flat"),
        ShardingConfig(shard_size=10, work_dir=str(work)),
    ).run()
    assert "source/embeddings 7 reused / 0 made" in report.notes[0]
    reused_searches = int(report.notes[0].split("forward/search ")[1].split(" reused")[0])
    assert 1 <= reused_searches < 7
    mine_files(
        load_encoder(str(tiny_model)),
        str(src),
        str(tgt),
        tmp_path / "memory.tsv",
        MiningConfig(factory="Flat"),
    )
    assert_same_pairs(tmp_path / "memory.tsv", tmp_path / "killed.tsv")


def test_align_mine_shards_from_the_command_line(tiny_model: Path, pool, tmp_path: Path) -> None:
    src, tgt = pool
    common = [
        "--src",
        str(src),
        "--tgt",
        str(tgt),
        "--model",
        str(tiny_model),
        "--index-factory",
        "Flat",
        "--line-numbers",
    ]
    memory = runner.invoke(app, ["mine", *common, "-o", str(tmp_path / "m.tsv")])
    sharded = runner.invoke(app, ["mine", *common, "-o", str(tmp_path / "s.tsv"), "--shard-size", "8"])
    assert memory.exit_code == 0 and sharded.exit_code == 0, sharded.output
    assert "Shards: source/shards 0 reused / 9 made" in sharded.output
    assert_same_pairs(tmp_path / "m.tsv", tmp_path / "s.tsv")
    unified = runner.invoke(
        app, ["mine", *common, "-o", str(tmp_path / "u.tsv"), "--shard-size", "8", "--unify"]
    )
    assert unified.exit_code != 0 and "--unify" in unified.output


@pytest.fixture(scope="module")
def ray_cluster():
    """A local Ray cluster sized for a 2-core CI machine, shared by the Ray tests."""
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'align[ray]')")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, object_store_memory=200 * 2**20)
    yield ray
    ray.shutdown()


def test_ray_engine_gives_the_in_memory_pairs(ray_cluster, tiny_model: Path, pool, tmp_path: Path) -> None:
    src, tgt = pool
    config = MiningConfig(factory="Flat")
    mine_files(
        load_encoder(str(tiny_model)), str(src), str(tgt), tmp_path / "memory.tsv", config, line_numbers=True
    )
    for shard_size in (6,):  # a Ray run takes seconds: one shard size, several shards a worker
        output = tmp_path / f"ray-{shard_size}.tsv"
        ShardedMining(
            str(tiny_model),
            str(src),
            str(tgt),
            str(output),
            config,
            ShardingConfig(engine="ray", shard_size=shard_size),
            line_numbers=True,
        ).run()
        assert_same_pairs(tmp_path / "memory.tsv", output)


def _search_dying_once(marker: str, task):
    """Search a shard, but the first time any worker gets here, kill that worker (as an OOM kill
    would) in the middle of the search stage."""
    from align.mining.sharded.stages import search_shard

    if not os.path.exists(marker):
        Path(marker).write_text("died", encoding="utf-8")
        os._exit(1)
    return search_shard(task)


def test_a_mining_run_whose_ray_worker_dies_writes_the_same_pairs(
    ray_cluster, tiny_model: Path, pool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from align.mining.sharded import search

    src, tgt = pool
    marker = tmp_path / "died"
    monkeypatch.setattr(search, "search_shard", functools.partial(_search_dying_once, str(marker)))
    config = MiningConfig(factory="Flat")
    mine_files(load_encoder(str(tiny_model)), str(src), str(tgt), tmp_path / "memory.tsv", config)
    ShardedMining(
        str(tiny_model),
        str(src),
        str(tgt),
        str(tmp_path / "ray.tsv"),
        config,
        ShardingConfig(engine="ray", shard_size=20),
    ).run()
    assert marker.read_text(encoding="utf-8") == "died"  # a worker did die, mid-search
    assert_same_pairs(tmp_path / "memory.tsv", tmp_path / "ray.tsv")


def _dies_once(marker: str) -> int:
    """Kill the worker process running it the first time (as an OOM kill would), then succeed."""
    if not os.path.exists(marker):
        Path(marker).write_text("died", encoding="utf-8")
        os._exit(1)
    return os.getpid()


def test_a_task_whose_ray_worker_dies_is_run_again(ray_cluster, tmp_path: Path) -> None:
    from align.mining.sharded import RayEngine

    markers = [str(tmp_path / f"marker-{number}") for number in range(3)]
    results = RayEngine().map(_dies_once, markers, description="dying")
    assert len(results) == 3 and all(isinstance(pid, int) for pid in results)
    assert all(Path(marker).read_text(encoding="utf-8") == "died" for marker in markers)


def _threads(_task: int) -> int:
    import torch

    return torch.get_num_threads()


def test_each_ray_task_uses_its_share_of_the_cluster_cpus(ray_cluster) -> None:
    from align.mining.sharded import RayEngine

    assert RayEngine().map(_threads, [0, 1], description="threads") == [2, 2]  # one worker a node
    assert RayEngine(workers=2).map(_threads, [0, 1], description="threads") == [1, 1]


def test_task_shape_shares_cpus_but_fits_the_smallest_node() -> None:
    from align.mining.sharded.engines import task_shape

    nodes = [{"Alive": True, "Resources": {"CPU": 16.0}}, {"Alive": True, "Resources": {"CPU": 8.0}}]
    assert task_shape(nodes, None) == (2, 8)
    assert task_shape(nodes, 6) == (6, 4)
    assert task_shape([*nodes, {"Alive": False, "Resources": {"CPU": 64.0}}], 48) == (48, 1)


def test_engine_ray_without_ray_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from align.mining.sharded import RayEngine

    monkeypatch.setitem(sys.modules, "ray", None)  # as if it were not installed
    with pytest.raises(AlignError, match=r"pip install 'align\[ray\]'"):
        RayEngine()
