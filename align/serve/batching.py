"""Dynamic batching: requests that arrive together are embedded in one call of the model.

A request finding the model idle is embedded at once; requests arriving while the model works
queue, and the next call takes every one of them (up to ``most`` texts), so a busy server embeds
many small requests in few calls and a lone request waits for nothing. ``wait`` adds a pause
after the first request of a call for more to arrive (more batching, more latency).
"""

from __future__ import annotations

import asyncio
import contextlib

import numpy as np
from fastapi.concurrency import run_in_threadpool

from align.embedding.protocol import Embedder

Waiting = tuple[list[str], asyncio.Future]


class Batcher:
    """Embeds for one model, batching requests as the module's docstring says (``batching`` off:
    each request embedded alone, at once)."""

    def __init__(
        self, embedder: Embedder, *, batching: bool = True, wait: float = 0.0, most: int = 256
    ) -> None:
        self.embedder, self.batching, self.wait, self.most = embedder, batching, wait, most
        self._queue: asyncio.Queue[Waiting] | None = None
        self._worker: asyncio.Task | None = None
        self.calls = 0  # model calls made: fewer than requests when batching works

    async def embed(self, texts: list[str]) -> np.ndarray:
        if not self.batching:
            self.calls += 1
            return await run_in_threadpool(self.embedder, texts)
        if self._worker is None:  # started in the server's own event loop, on first use
            self._queue = asyncio.Queue()
            self._worker = asyncio.get_running_loop().create_task(self._run())
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        await self._queue.put((texts, future))
        return await future

    async def _run(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._queue.get()]
            count = len(batch[0][0])
            deadline = loop.time() + self.wait
            while count < self.most:
                if not self._queue.empty():  # those that queued while the model worked
                    batch.append(self._queue.get_nowait())
                elif (left := deadline - loop.time()) > 0:
                    try:
                        batch.append(await asyncio.wait_for(self._queue.get(), left))
                    except TimeoutError:
                        break
                else:
                    break
                count += len(batch[-1][0])
            await self._embed(batch)

    async def _embed(self, batch: list[Waiting]) -> None:
        """Embed every text of ``batch`` in one call; each request gets its rows (or the error)."""
        self.calls += 1
        try:
            vectors = await run_in_threadpool(self.embedder, [text for texts, _ in batch for text in texts])
        except Exception as error:  # every request of the batch hears of it
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        start = 0
        for texts, future in batch:
            if not future.done():  # a client that went away has cancelled its future
                future.set_result(vectors[start : start + len(texts)])
            start += len(texts)

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
