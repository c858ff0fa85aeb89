"""align serve under load, on the loopback: 1, 8, 32 and 128 concurrent clients each posting one
sentence at a time to ``/v1/embeddings`` for ``--seconds``, for every ``--model``, with dynamic
batching on and off, each in its own server process: requests a second, p50 / p99 latency,
errors, and the server's peak memory; the ratio of batching on to off in the same run.

    python benchmarks/serve_load.py --model static=runs/quickstart/model \\
        --model e5=/work/models/me5-onnx/onnx/model.onnx --seconds 60

The clients run in this process (asyncio and httpx), so on a small machine they share its cores
with the server: the figures are what the machine gives, clients included. Sentences: dev/en-zh
captions, English and Chinese in turn. Every run stops by itself after ``--seconds``.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as a file: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncio
import socket
import statistics
import subprocess
import time
from collections import Counter

import numpy as np

from benchmarks.common import Report, align_command, read_sentences, script_arguments

CLIENTS = (1, 8, 32, 128)
BATCHING = {"on": "--batching", "off": "--no-batching"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def peak_memory_mib(pid: int) -> float:
    """The process's peak resident memory (VmHWM), in MiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return round(
        next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")) / 1024
    )


async def load(url: str, model: str, clients: int, seconds: float, sentences: list[str]) -> dict:
    """``clients`` clients posting one sentence each, again and again, for ``seconds``."""
    import httpx

    latencies: list[float] = []
    errors: Counter[str] = Counter()  # by status code or exception, to say what went wrong
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client(slot: int, http: httpx.AsyncClient) -> None:
        n = slot
        idle_since = time.perf_counter()
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                answer = await http.post(
                    f"{url}/v1/embeddings", json={"model": model, "input": [sentences[n % len(sentences)]]}
                )
                failure = None if answer.status_code == 200 else f"status {answer.status_code}"
            except httpx.HTTPError as error:  # with how long this client's connection had been idle
                failure = f"{type(error).__name__} after {started - idle_since:.1f} s idle"
            idle_since = time.perf_counter()
            if failure is None:
                latencies.append((time.perf_counter() - started) * 1000)
            else:
                errors[failure] += 1
            n += clients

    started = time.perf_counter()
    async with httpx.AsyncClient(limits=limits, timeout=60) as http:
        await asyncio.gather(*(client(slot, http) for slot in range(clients)))
    elapsed = time.perf_counter() - started
    return {
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 2) if latencies else None,
        "p99_ms": round(float(np.percentile(latencies, 99)), 2) if latencies else None,
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
    }


def run_server(models: list[str], batching: str, port: int) -> subprocess.Popen:
    """``align serve`` with ``models`` on 127.0.0.1:``port``, answering once it is up."""
    import httpx

    options = [item for model in models for item in ("--model", model)]
    command = align_command("serve", *options, "--port", port, batching, "--max-inputs", 8)
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"align serve stopped (status {server.returncode}): {' '.join(command)}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
            return server
        except httpx.TransportError:
            time.sleep(0.3)
    server.kill()
    sys.exit("align serve did not start within 120 s")


def main(argv: list[str] | None = None) -> None:
    parser = script_arguments(__doc__, report="serve_load")
    parser.add_argument("--model", action="append", required=True, help="NAME=MODEL, as align serve takes it")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", default=",".join(map(str, CLIENTS)))
    args = parser.parse_args(argv)
    clients = [int(count) for count in args.clients.split(",")]
    captions = args.data / "dev" / "en-zh" / "captions.en-zh"
    english, chinese = read_sentences(Path(f"{captions}.en")), read_sentences(Path(f"{captions}.zh"))
    sentences = [text for pair in zip(english, chinese, strict=False) for text in pair]
    names = [model.partition("=")[0] for model in args.model]
    report = Report("serve_load", captions, args.output)
    runs: dict[str, dict] = {}
    print("| model | batching | clients | requests/s | p50 ms | p99 ms | errors | server peak MiB |")
    print("|---|---|---|---|---|---|---|---|")
    for batching, flag in BATCHING.items():
        port = free_port()
        server = run_server(args.model, flag, port)
        try:
            for name in names:
                for count in clients:
                    entry = asyncio.run(
                        load(f"http://127.0.0.1:{port}", name, count, args.seconds, sentences)
                    )
                    entry["server_peak_mib"] = peak_memory_mib(server.pid)
                    runs.setdefault(name, {}).setdefault(f"batching {batching}", {})[str(count)] = entry
                    shown = {key: value for key, value in entry.items() if key != "error_kinds"}
                    if entry["errors"]:
                        shown["errors"] = f"{entry['errors']} ({entry['error_kinds']})"
                    cells = [name, batching, count, *shown.values()]
                    print("| " + " | ".join(map(str, cells)) + " |", flush=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
    for name, by_batching in runs.items():
        on, off = by_batching["batching on"], by_batching["batching off"]
        ratios = {
            count: round(on[count]["requests_per_second"] / max(off[count]["requests_per_second"], 1e-9), 2)
            for count in on
        }
        by_batching["on / off, requests a second"] = ratios
        print(f"{name}: batching on / off, requests a second: {ratios}")
    settings = {"models": args.model, "seconds": args.seconds, "clients": clients}
    report.write(settings, runs=runs)


if __name__ == "__main__":
    main()
