"""The page at / in a real headless browser: Debian's chromium, driven by Playwright.

The search box is used as a person would (the API key asked for, a store picked, hits with their
language, score and matched words), and the viewer opens what align mine, filter --rejected, score
and sentalign --format tsv wrote from the same bitext. Screenshots go to $ALIGN_SCREENSHOTS
(``ALIGN_SCREENSHOTS=docs/images`` refreshes the ones docs/serve.md shows), else to a temporary
directory.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import COMPOSED
from tests.serving import KEY, faq_app, running

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# Composed pairs, plus pairs the filter's rules drop: identical sides, a length ratio past the limit.
BITEXT = [
    *COMPOSED[:60],
    ("Hello world.", "Hello world."),
    ("I like tea.", "我喜欢茶。" * 6),
    ("http://example.com", "http://example.com"),
    ("Good morning.", "早上好。"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("browser tests: no chromium here (Debian: apt install chromium; make test installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser tests: playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running(faq_app(tiny_model, tmp_path_factory.mktemp("page") / "faq")) as url:
        yield url


@contextmanager
def _opened(browser: Any, server: str, *, with_key: bool) -> Iterator[Any]:
    """The page in a browser context of its own; ``with_key``: the API key given in an earlier
    visit (kept for the tab's session), the stores listed."""
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    if with_key:
        context.add_init_script(f"sessionStorage.setItem('align-api-key', '{KEY}')")
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    opened.goto(server)
    if with_key:
        opened.locator("#store option").first.wait_for(state="attached")
    try:
        yield opened
    finally:
        context.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """The page, opened afresh (the API key not yet given)."""
    with _opened(browser, server, with_key=False) as opened:
        yield opened


@pytest.fixture
def keyed(browser: Any, server: str) -> Iterator[Any]:
    """The page with the API key given in an earlier visit."""
    with _opened(browser, server, with_key=True) as opened:
        yield opened


@pytest.fixture(scope="module")
def outputs(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """What align's own commands write from BITEXT, by command."""
    from typer.testing import CliRunner

    from align.cli import app

    root = tmp_path_factory.mktemp("outputs")
    (root / "b.en").write_text("".join(f"{en}\n" for en, _ in BITEXT), encoding="utf-8")
    (root / "b.zh").write_text("".join(f"{zh}\n" for _, zh in BITEXT), encoding="utf-8")
    sides = ["--src", str(root / "b.en"), "--tgt", str(root / "b.zh"), "--model", str(tiny_model)]
    commands = {
        "mine": ["mine", *sides, "--output", str(root / "mined.tsv")],
        "filter": [
            "filter",
            *sides,
            "--output",
            str(root / "kept.tsv"),
            "--rejected",
            str(root / "rejected.tsv"),
            "--keep-top",  # the lowest margins dropped too, each with its score
            "0.6",
        ],
        "score": ["score", *sides, "--output", str(root / "scored.tsv")],
        "sentalign": ["sentalign", *sides, "--output", str(root / "aligned.tsv"), "--format", "tsv"],
        "vecalign": ["sentalign", *sides, "--output", str(root / "aligned.txt")],
    }
    for name, command in commands.items():
        lid = ["--lid", "none"] if name in ("filter", "score") else []
        result = CliRunner().invoke(app, [*command, *lid])
        assert result.exit_code == 0, f"{name}: {result.output}"
    names = {"mine": "mined.tsv", "rejected": "rejected.tsv", "kept": "kept.tsv", "score": "scored.tsv"}
    return {kind: root / name for kind, name in names.items()} | {
        "sentalign": root / "aligned.tsv",
        "vecalign": root / "aligned.txt",
    }


def screenshot(page: Any, name: str, tmp_path: Path) -> None:
    directory = Path(os.environ.get("ALIGN_SCREENSHOTS") or tmp_path)
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(directory / name), full_page=False)
    assert (directory / name).stat().st_size > 10_000  # a picture, not a blank


def test_the_search_box_asks_for_the_key_and_shows_hits_with_language_score_and_matched_words(
    page: Any, tmp_path: Path
) -> None:
    page.locator("#key-box").wait_for(state="visible")  # /info answered 401
    page.fill("#key", KEY)
    page.press("#key", "Enter")
    page.locator("#store option").first.wait_for(state="attached")
    assert page.locator("#store").input_value() == "faq"
    assert "40 documents" in page.locator("#store option").first.inner_text()
    languages = page.locator("#lang option").all_inner_texts()
    assert languages == ["all languages", "en (20)", "zh (20)"]

    page.fill("#query", "I like tea and apples")
    page.select_option("#mode", "lexical")
    page.fill("#k", "5")
    page.click("button[type=submit]")
    page.locator("#hits li").first.wait_for()
    assert page.locator("#hits li").count() == 5
    assert page.locator("#search-status").inner_text().startswith("5 hits in")
    first = page.locator("#hits li").first
    marked = [word.lower() for word in first.locator("mark").all_inner_texts()]
    assert marked and set(marked) <= {"i", "like", "tea", "and", "apples"}
    assert first.locator(".lang").inner_text() == "en"

    page.fill("#query", "我喜欢茶")  # Chinese, answered in English only
    page.select_option("#mode", "dense")
    page.select_option("#lang", "en")
    page.click("button[type=submit]")
    page.wait_for_function("document.querySelector('#hits .lang')?.textContent === 'en'")
    assert set(page.locator("#hits .lang").all_inner_texts()) == {"en"}
    scores = [float(score) for score in page.locator("#hits .score").all_inner_texts()]
    assert scores == sorted(scores, reverse=True)
    page.select_option("#lang", "")
    page.fill("#query", "She likes tea")
    page.click("button[type=submit]")
    page.wait_for_function("document.querySelector('#search-status').textContent.includes('(dense)')")
    screenshot(page, "serve-search.png", tmp_path)


def test_a_search_the_server_refuses_shows_its_message(keyed: Any) -> None:
    page = keyed
    assert page.locator("#key-box").is_hidden()
    page.fill("#query", "x" * 25_000)  # past the server's longest input
    page.click("button[type=submit]")
    page.wait_for_function("document.querySelector('#search-status').classList.contains('error')")
    assert "characters" in page.locator("#search-status").inner_text()


def open_in_viewer(page: Any, path: Path) -> None:
    page.click(".tab[data-tab=viewer]")
    page.set_input_files("#file", str(path))
    page.wait_for_function(f"document.querySelector('#view-status').textContent.startsWith('{path.name}')")


def shown_scores(page: Any) -> list[float]:
    column = (
        page.locator("#rows thead th")
        .all_inner_texts()
        .index(
            next(
                text
                for text in page.locator("#rows thead th").all_inner_texts()
                if "score" in text or "margin" in text
            )
        )
    )
    cells = page.locator(f"#rows tbody tr td:nth-child({column + 1})").all_inner_texts()
    return [float(cell) for cell in cells if cell]


@pytest.mark.parametrize("kind", ["mine", "kept", "score", "sentalign"])
def test_the_viewer_opens_scored_outputs_sorts_filters_and_draws_the_histogram(
    keyed: Any, outputs: dict[str, Path], kind: str, tmp_path: Path
) -> None:
    page = keyed
    path = outputs[kind]
    rows = sum(1 for _ in path.open(encoding="utf-8")) - (kind == "score")
    open_in_viewer(page, path)
    assert page.locator("#view-count").inner_text() == f"{rows} of {rows} rows shown"
    assert page.locator("#histogram rect").count() == 40
    assert page.locator("#rows tbody tr").count() == rows  # under one page
    first = page.locator("#rows tbody tr").first.locator("td").all_inner_texts()
    assert any(text in first for text in [en for en, _ in BITEXT])  # the two sides, next to each other
    assert any(text in first for text in [zh for _, zh in BITEXT])
    descending = shown_scores(page)
    assert descending == sorted(descending, reverse=True)
    score_header = page.locator("#rows thead th[aria-sort]")
    score_header.click()
    assert shown_scores(page) == sorted(descending)
    middle = sorted(descending)[len(descending) // 2]
    page.fill("#min-score", str(middle))
    kept = shown_scores(page)
    assert kept and min(kept) >= middle - 5e-5 and len(kept) < len(descending)
    assert page.locator("#view-count").inner_text() == f"{len(kept)} of {rows} rows shown"
    page.locator("#histogram rect").first.click()  # from the lowest bar up: everything again
    assert len(shown_scores(page)) == len(descending)
    if kind == "score":
        assert page.locator("#score-column-box").is_visible()
        page.select_option("#score-column", "cosine")
        assert page.locator("#view-count").inner_text().endswith(f"of {rows} rows shown")
    if kind == "mine":
        score_header.click()  # highest first again, the upper half shown
        page.fill("#min-score", str(middle))
        screenshot(page, "serve-viewer.png", tmp_path)


def test_the_viewer_shows_each_dropped_pair_with_its_reason(
    keyed: Any, outputs: dict[str, Path], tmp_path: Path
) -> None:
    page = keyed
    open_in_viewer(page, outputs["rejected"])
    rows = sum(1 for _ in outputs["rejected"].open(encoding="utf-8"))
    assert f"{rows} dropped pairs with their reasons" in page.locator("#view-status").inner_text()
    reasons = page.locator("#reason option").all_inner_texts()
    assert {"identical sides", "length ratio", "score"} <= set(reasons)
    assert page.locator("#histogram rect").count() == 40  # of the pairs dropped by score
    page.select_option("#reason", "identical sides")
    assert set(page.locator("#rows tbody td.reason").all_inner_texts()) == {"identical sides"}
    assert page.locator("#view-count").inner_text() == f"2 of {rows} rows shown"
    page.select_option("#reason", "")
    page.fill("#contains", "example.com")
    assert page.locator("#rows tbody tr").count() == 1
    page.fill("#contains", "")
    screenshot(page, "serve-rejected.png", tmp_path)


def test_the_viewer_says_what_it_cannot_show(keyed: Any, outputs: dict[str, Path], tmp_path: Path) -> None:
    page = keyed
    open_in_viewer(page, outputs["vecalign"])
    assert "--format tsv" in page.locator("#view-status").inner_text()
    assert page.locator("#view-body").is_hidden()
    broken = tmp_path / "broken.tsv"
    broken.write_text("0.5\tonly two\n", encoding="utf-8")
    open_in_viewer(page, broken)
    assert "broken.tsv, line 1" in page.locator("#view-status").inner_text()
