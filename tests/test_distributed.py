"""Training in several processes (torch.distributed, gloo on the CPU).

The equivalence the design rests on: 2 processes × a batch of B with gathered negatives give the
loss and the gradients (averaged, as DDP averages them) of 1 process × 2B — with gradient caching
too — and without gathering they do not. And the batches: a step's slices are the one batch a
single process would draw with the global batch size.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
import torch

from tests.conftest import COMPOSED

PAIRS = COMPOSED[:8]  # 2 processes × 4 pairs, or 1 process × 8
CASES = {  # name: (gather, mini-batch size for gradient caching or None, with a hard negative column)
    "gathered": (True, None, False),
    "gathered, cached": (True, 2, False),
    "gathered, hard negatives": (True, None, True),
    "gathered, cached, hard negatives": (True, 2, True),
    "alone": (False, None, False),
}
NEGATIVES = [COMPOSED[40 + n][1] for n in range(len(PAIRS))]  # pair i's hard negative: a target


def _loss(model: torch.nn.Module, gather: bool, mini_batch: int | None) -> torch.nn.Module:
    from align.training.losses import CachedTranslationRankingLoss, TranslationRankingLoss

    settings = {"scale": 20.0, "margin": 0.3, "symmetric": True, "gather": gather}
    if mini_batch:
        return CachedTranslationRankingLoss(model, mini_batch_size=mini_batch, **settings)
    return TranslationRankingLoss(model, **settings)


def _step(
    model_path: str, rows: slice, gather: bool, mini_batch: int | None, negatives: bool = False
) -> tuple:
    """One step's loss on PAIRS[rows] and the gradient of every parameter (dropout off: the passes
    must agree)."""
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(0)
    model = SentenceTransformer(model_path, device="cpu")
    model.eval()
    columns = [[pair[0] for pair in PAIRS[rows]], [pair[1] for pair in PAIRS[rows]]]
    columns += [NEGATIVES[rows]] if negatives else []
    features = [model.preprocess(texts) for texts in columns]
    loss = _loss(model, gather, mini_batch)(features)
    loss.backward()
    grads = {name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None}
    return loss.detach().clone(), grads


def _worker(rank: int, world: int, port: int, model_path: str, output: str) -> None:
    """One of ``world`` processes: its slice of PAIRS in each case, losses and gradients averaged
    over the processes as DDP does; rank 0 saves them."""
    import torch.distributed as dist

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    torch.set_num_threads(1)
    try:
        share = len(PAIRS) // world
        results = {}
        for name, (gather, mini_batch, negatives) in CASES.items():
            rows = slice(rank * share, (rank + 1) * share)
            loss, grads = _step(model_path, rows, gather, mini_batch, negatives)
            for tensor in (loss, *grads.values()):
                dist.all_reduce(tensor)
                tensor /= world
            results[name] = (loss, grads)
        if rank == 0:
            torch.save(results, output)
    finally:
        dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_two_processes_with_gathered_negatives_train_as_one_with_the_whole_batch(
    minilm_path: str, tmp_path: Path
) -> None:
    import torch.multiprocessing as mp

    output = tmp_path / "two.pt"
    mp.spawn(_worker, args=(2, _free_port(), minilm_path, str(output)), nprocs=2, join=True)
    two = torch.load(output)
    for name, (gather, mini_batch, negatives) in CASES.items():
        loss, grads = _step(minilm_path, slice(None), False, mini_batch, negatives)  # 1 process × 8
        their_loss, their_grads = two[name]
        assert set(their_grads) == set(grads)
        largest = max((their_grads[key] - grads[key]).abs().max().item() for key in grads)
        if gather:
            assert abs(their_loss.item() - loss.item()) <= 1e-5, name
            assert largest <= 1e-5, f"{name}: gradients differ by {largest:.2e}"
        else:  # each process ranks its 4 pairs among themselves: an easier problem
            assert their_loss.item() < loss.item() - 1e-3, name
            assert largest > 1e-4, f"{name}: gradients differ by only {largest:.2e}"


def test_a_steps_slices_are_the_batch_one_process_draws_with_the_global_size() -> None:
    import functools

    from datasets import Dataset

    from align.training.sampler import DeviceSlices, LanguageBalancedBatchSampler

    pairs = [("en-zh" if n % 3 else "en-de") for n in range(300)]
    dataset = Dataset.from_dict(
        {"source": [f"s{n}" for n in range(300)], "target": [f"t{n}" for n in range(300)]}
    )
    build = functools.partial(LanguageBalancedBatchSampler, pairs=pairs, alpha=1.0, single_pair_batches=True)
    one = build(dataset, batch_size=32, drop_last=True, seed=5)
    two = DeviceSlices(dataset, batch_size=16, drop_last=False, seed=5, build=build, world=2)
    for epoch in (0, 1):
        one.set_epoch(epoch)
        two.set_epoch(epoch)
        whole = list(one)
        slices = list(two)
        assert len(slices) == len(two) == 2 * len(whole)
        assert [slices[n] + slices[n + 1] for n in range(0, len(slices), 2)] == whole
        for batch in whole:  # one language pair a step, across both processes
            assert len({pairs[row] for row in batch}) == 1


def _descendants(pid: int) -> list[int]:
    """The processes ``pid`` started, and theirs (torchrun starts its workers in sessions of their
    own, so killing its process group leaves them running)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [found for child in map(int, children) for found in (child, *_descendants(child))]


def _torchrun(*arguments: str) -> list[str]:
    import sys

    launcher = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2"]
    return [*launcher, "--master-port", str(_free_port()), "-m", "align.cli", *arguments]


def _train_under_torchrun(data: Path, output: Path, *options: str) -> dict:
    """``align train`` on ``data`` in 2 processes (one thread each); the run's align_training.json."""
    import json
    import subprocess

    command = _torchrun("train", "--pairs", "en-zh", "--data", str(data), "--output", str(output), *options)
    environment = os.environ | {"OMP_NUM_THREADS": "1"}
    run = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads((output / "align_training.json").read_text(encoding="utf-8")) | {
        "log": run.stdout + run.stderr
    }


@pytest.mark.slow
def test_align_train_under_torchrun_interrupted_and_resumed_continues_from_its_checkpoint(
    tmp_path: Path,
) -> None:
    import json
    import signal
    import subprocess
    import time

    from tests.conftest import write_moses

    data = write_moses(tmp_path / "corpus", COMPOSED)
    output = tmp_path / "model"
    command = _torchrun(
        *("train", "--pairs", "en-zh", "--data", str(data), "--output", str(output)),
        *("--epochs", "40", "--batch-size", "8", "--dim", "32", "--dev-size", "12", "--eval-steps", "6"),
    )
    environment = os.environ | {"OMP_NUM_THREADS": "1"}
    first = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    checkpoints = output.with_name("model.work") / "checkpoints"
    deadline = time.monotonic() + 180
    while not any(checkpoints.glob("checkpoint-*/trainer_state.json")) and first.poll() is None:
        assert time.monotonic() < deadline, "no checkpoint within 180 s"
        time.sleep(0.2)
    time.sleep(0.2)  # into the next steps (a checkpoint cut short is removed on resuming)
    for pid in [first.pid, *_descendants(first.pid)]:  # the launcher and both processes: a lost machine
        os.kill(pid, signal.SIGKILL)
    first.wait()
    assert first.returncode != 0, first.stdout.read().decode()  # interrupted, not finished
    assert not output.exists()

    resumed = subprocess.run(
        [*command, "--resume"], env=environment, capture_output=True, text=True, timeout=600
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    state = json.loads((output / "align_training.json").read_text(encoding="utf-8"))
    assert state["world_size"] == 2 and state["global_batch_size"] == 16 and state["gather_negatives"]
    assert state["resumed_from"].startswith("checkpoint-") and state["steps"] == 40 * (108 // 16)
    assert "8 pairs a process × 2 processes = 16 pairs a step, each ranked against all 16" in resumed.stdout
    assert not output.with_name("model.work").exists()
    from sentence_transformers import SentenceTransformer

    vectors = SentenceTransformer(str(output), device="cpu").encode(["I like tea.", "我喜欢茶。"])
    assert vectors.shape == (2, 32)


@pytest.mark.slow
def test_hard_negatives_refreshed_each_epoch_under_torchrun_are_mined_once_an_epoch(
    tiny_model: Path, tmp_path: Path
) -> None:
    from tests.conftest import write_moses

    data = write_moses(tmp_path / "corpus", COMPOSED)
    state = _train_under_torchrun(
        data,
        tmp_path / "model",
        *("--epochs", "3", "--batch-size", "8", "--dim", "16", "--dev-size", "12", "--verbose"),
        *("--hard-negatives", "1", "--negatives-model", str(tiny_model), "--refresh-negatives", "epoch"),
    )
    # The first process mines (before training, then at epochs 1 and 2); the other reads its choice.
    assert state["log"].count("Mining 1 hard negatives for each of") == 3
    assert state["world_size"] == 2 and state["steps"] == 3 * (108 // 16)
    assert state["config"]["refresh_negatives"] == "epoch"


def test_align_embed_on_two_devices_writes_what_one_device_writes(minilm_path: str, tmp_path: Path) -> None:
    import numpy as np
    from typer.testing import CliRunner

    from align.cli import app

    (tmp_path / "texts.txt").write_text(
        "".join(f"{en}\n{zh}\n" for en, zh in COMPOSED[:50]), encoding="utf-8"
    )
    for name, devices in (("one", []), ("two", ["--devices", "cpu,cpu"])):
        command = [
            "embed",
            "--model",
            minilm_path,
            str(tmp_path / "texts.txt"),
            str(tmp_path / f"{name}.npy"),
        ]
        result = CliRunner().invoke(app, [*command, *devices])
        assert result.exit_code == 0, result.output
    assert np.allclose(np.load(tmp_path / "one.npy"), np.load(tmp_path / "two.npy"), atol=1e-5)


def test_several_devices_are_refused_for_a_model_that_runs_in_this_process(tiny_model: Path) -> None:
    from align.embedding import load_embedder
    from align.embedding.sentence_transformer import on_devices
    from align.errors import AlignError

    static = load_embedder(tiny_model)
    with on_devices(static, ("cpu",)) as same:
        assert same is static
    refused = pytest.raises(AlignError, match="only sentence-transformers models run on several devices")
    with refused, on_devices(static, ("cpu", "cpu")):
        pass


def test_training_precision_bf16_runs_on_the_cpu_and_fp16_is_refused_there(tmp_path: Path) -> None:
    from align.errors import AlignError
    from align.training import TrainConfig, train
    from tests.conftest import write_moses

    data = write_moses(tmp_path / "corpus", COMPOSED)
    settings = {"pairs": "en-zh", "data": str(data), "epochs": 2, "batch_size": 16, "embedding_dim": 16}
    result = train(TrainConfig(output=str(tmp_path / "bf16"), precision="bf16", dev_size=12, **settings))
    assert result.losses and all(loss == loss for loss in result.losses)  # trained, no NaN
    with pytest.raises(AlignError, match="fp16 needs a GPU"):
        train(TrainConfig(output=str(tmp_path / "fp16"), precision="fp16", **settings))
    if not torch.cuda.is_available():
        with pytest.raises(AlignError, match="torch sees no GPU"):
            train(TrainConfig(output=str(tmp_path / "cuda"), device="cuda", **settings))


@pytest.mark.slow
def test_a_transformer_fine_tuned_under_torchrun_takes_the_steps_of_its_global_batch(
    minilm_path: str, tmp_path: Path
) -> None:
    """On a machine without GPUs, too: each process takes its slice, DDP syncs the gradients (the
    word embeddings frozen, the unused pooler found), and the first process saves."""
    from tests.conftest import write_moses

    data = write_moses(tmp_path / "corpus", COMPOSED)
    output = tmp_path / "model"
    state = _train_under_torchrun(
        data,
        output,
        *("--model", minilm_path, "--epochs", "1", "--batch-size", "8"),
        *("--dev-size", "12", "--eval-steps", "3"),
    )
    assert state["steps"] == 108 // 16 and state["world_size"] == 2 and state["global_batch_size"] == 16
