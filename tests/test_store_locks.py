"""The store's shared lock: searches read side by side, a change writes alone, a waiting writer is
not starved by a stream of readers, and a thread may take the lock again while holding it."""

from __future__ import annotations

import threading
import time

import pytest

from align.store.locks import SharedLock


def test_readers_share_and_a_writer_waits_for_them_then_goes_alone() -> None:
    lock = SharedLock()
    inside: list[str] = []
    most_readers = [0]
    both_reading = threading.Barrier(2, timeout=5)

    def read() -> None:
        with lock.reading():
            inside.append("r")
            both_reading.wait()  # only passes if two readers hold the lock at once
            most_readers[0] = max(most_readers[0], inside.count("r"))
            time.sleep(0.05)
            inside.remove("r")

    def write() -> None:
        with lock.writing():
            assert not inside, "a writer held the lock beside a reader"
            inside.append("w")
            time.sleep(0.02)
            inside.remove("w")

    readers = [threading.Thread(target=read) for _ in range(2)]
    for thread in readers:
        thread.start()
    time.sleep(0.01)
    writer = threading.Thread(target=write)
    writer.start()
    for thread in [*readers, writer]:
        thread.join(timeout=5)
    assert most_readers[0] == 2 and not inside


def test_a_waiting_writer_keeps_new_readers_out() -> None:
    lock = SharedLock()
    order: list[str] = []
    first_in = threading.Event()

    def first_reader() -> None:
        with lock.reading():
            first_in.set()
            time.sleep(0.1)
        order.append("first reader out")

    def writer() -> None:
        with lock.writing():
            order.append("writer")

    def late_reader() -> None:
        with lock.reading():
            order.append("late reader")

    threads = [threading.Thread(target=first_reader)]
    threads[0].start()
    first_in.wait(5)
    threads.append(threading.Thread(target=writer))
    threads[1].start()
    time.sleep(0.03)  # the writer is waiting now
    threads.append(threading.Thread(target=late_reader))
    threads[2].start()
    for thread in threads:
        thread.join(timeout=5)
    assert order == ["first reader out", "writer", "late reader"]


def test_the_lock_is_taken_again_by_its_holder_and_refuses_an_upgrade() -> None:
    lock = SharedLock()
    with lock.writing(), lock.writing(), lock.reading():
        pass
    with lock.reading(), lock.reading(), pytest.raises(RuntimeError, match="cannot start writing"):
        lock.writing().__enter__()
    with lock.writing():  # everything was released
        pass
