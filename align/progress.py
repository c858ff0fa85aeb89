"""Progress for work made of a few long steps of unequal length (encode, search, score): one bar
that names the step under way, with no rate and no estimate of the time left."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

STEP_BAR = "{desc}: {n_fmt}/{total_fmt} steps [{elapsed}{postfix}]"


@contextlib.contextmanager
def step_bar(description: str, steps: int, *, enabled: bool = True) -> Iterator[Callable[[str], None]]:
    """A bar over ``steps`` steps; the function it yields is called with each step's name as the
    step starts (so the one before it is done). On leaving, every step counts as done."""
    from tqdm.auto import tqdm

    with tqdm(total=steps, desc=description, bar_format=STEP_BAR, disable=not enabled) as bar:
        started = 0

        def step(name: str) -> None:
            nonlocal started
            if started:
                bar.update()
            started += 1
            bar.set_postfix_str(name)

        yield step
        bar.update(steps - bar.n)
