"""A lock for many readers or one writer: a store's searches run side by side, its changes alone.

Searches only read the index (FAISS searches are safe to run at once) and the database, so they
share the lock; a change, or bringing the index up to date, takes it alone. A writer waiting keeps
new readers out, so a stream of searches cannot starve it. A thread may take the lock again while
it holds it (reading inside reading, anything inside writing), as the store's calls nest.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class SharedLock:
    """Many holders at once for :meth:`reading`, one alone for :meth:`writing`."""

    def __init__(self) -> None:
        self._condition = threading.Condition(threading.Lock())
        self._readers = 0  # threads reading now
        self._writer: int | None = None  # the thread writing now
        self._writer_depth = 0
        self._writers_waiting = 0
        self._mine = threading.local()  # this thread's depth of reading

    @contextmanager
    def reading(self) -> Iterator[None]:
        me = threading.get_ident()
        depth = getattr(self._mine, "depth", 0)
        with self._condition:
            if self._writer != me and depth == 0:
                while self._writer is not None or self._writers_waiting:
                    self._condition.wait()
                self._readers += 1
        self._mine.depth = depth + 1
        try:
            yield
        finally:
            self._mine.depth = depth
            if self._writer != me and depth == 0:
                with self._condition:
                    self._readers -= 1
                    if not self._readers:
                        self._condition.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        me = threading.get_ident()
        if getattr(self._mine, "depth", 0) and self._writer != me:
            raise RuntimeError("a thread reading the store cannot start writing to it")
        with self._condition:
            if self._writer != me:
                self._writers_waiting += 1
                while self._writer is not None or self._readers:
                    self._condition.wait()
                self._writers_waiting -= 1
                self._writer = me
            self._writer_depth += 1
        try:
            yield
        finally:
            with self._condition:
                self._writer_depth -= 1
                if not self._writer_depth:
                    self._writer = None
                    self._condition.notify_all()
