"""The built site works in a real browser, offline.

Builds the book if ``_build/html`` is missing (set ``ENHANCELIB_REBUILD_BOOK=1``
to force a rebuild), serves it on 127.0.0.1 and opens every page in headless
Chromium (Debian's ``/usr/bin/chromium`` driven by the ``playwright`` package;
``playwright install`` is never needed). Checks:

* every HTML page loads with no console error, no failed local request, and
  no request leaving 127.0.0.1 (such requests are recorded, then blocked);
* a before/after slider renders (non-zero size, pictures decoded, labels),
  dragging it moves the split line and the clipping of the left picture, the
  keyboard moves it too, and the menus change the compared picture.

Screenshots go to ``test-artifacts/screenshots/``. Without chromium or
playwright the test is skipped, except in CI (``CI=true``) where it fails.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

import pytest

from enhancelib.book.build import build_book
from enhancelib.book.serve import serve_directory
from enhancelib.paths import REPO_ROOT

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
SITE = REPO_ROOT / "_build" / "html"
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
LOCAL_HOST = "127.0.0.1"
SLIDER_MARK = "eb-ba-frame"  # a class name of the slider's own JavaScript, present in the page's widget state


def _missing(reason: str) -> None:
    """Skip locally, fail in CI: the browser test must run there."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true, so this is a failure, not a skip)")
    pytest.skip(reason)


def _report(capsys: pytest.CaptureFixture[str], text: str) -> None:
    with capsys.disabled():
        print(text)


def _leaves_machine(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https", "ws", "wss", "ftp"} and parts.hostname != LOCAL_HOST


def _site_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if not p.relative_to(site).parts[0].startswith("_"))


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def site() -> Path:
    if os.environ.get("ENHANCELIB_REBUILD_BOOK") or not (SITE / "index.html").is_file():
        build_book(echo=False)
    return SITE


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    with serve_directory(site, host=LOCAL_HOST) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright Python package is not installed (pip install playwright; "
                 "do not run `playwright install`: the test uses Debian's chromium)")
    if not CHROMIUM.is_file():
        _missing(f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


class PageProbe:
    """A fresh browser page that records console errors and every request."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.requests: list[str] = []
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        self.page.on("requestfailed", self._failed)
        self.page.on("response", self._response)

    def _route(self, route: Any) -> None:
        url = route.request.url
        self.requests.append(url)
        if _leaves_machine(url):
            self.outside.append(url)
            route.abort("blockedbyclient")  # never reach the internet, even where it exists
        else:
            route.continue_()

    def _console(self, message: Any) -> None:
        if message.type == "error":
            where = (message.location or {}).get("url", "")
            self.errors.append(f"console: {message.text} [{where}]")

    def _failed(self, request: Any) -> None:
        if not _leaves_machine(request.url):
            self.errors.append(f"request failed: {request.url} ({request.failure})")

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.errors.append(f"HTTP {response.status}: {response.url}")

    def open(self, url: str) -> None:
        self.page.goto(url, wait_until="load", timeout=60_000)
        self.page.wait_for_load_state("networkidle", timeout=60_000)

    def close(self) -> None:
        self.context.close()


# --------------------------------------------------------------------------- tests
def test_every_page_loads_offline_without_errors(site: Path, base_url: str, browser: Any,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    pages = _site_pages(site)
    assert len(pages) >= 3, f"only {len(pages)} HTML pages in {site}: the build looks incomplete"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: dict[str, list[str]] = {}
    outside: dict[str, list[str]] = {}
    shots = []
    for path in pages:
        relative = path.relative_to(site).as_posix()
        probe = PageProbe(browser)
        try:
            probe.open(base_url + relative)
            shot = SCREENSHOTS / ("page-" + re.sub(r"[^A-Za-z0-9]+", "-", relative.removesuffix(".html")) + ".png")
            probe.page.screenshot(path=str(shot))
            shots.append(shot)
            assert probe.requests, f"no request recorded for {relative}: the probe is broken"
        finally:
            probe.close()
        if probe.errors:
            problems[relative] = probe.errors
        if probe.outside:
            outside[relative] = sorted(set(probe.outside))
    _report(capsys, "\nPage screenshots:\n" + "\n".join(f"  {s}" for s in shots))
    message = []
    if outside:
        message.append("Requests leaving 127.0.0.1 (the site must work offline):")
        message += [f"  {page}: {url}" for page, urls in outside.items() for url in urls]
    if problems:
        message.append("Pages with console errors or failed requests:")
        message += [f"  {page}: {error}" for page, errors in problems.items() for error in errors]
    assert not message, "\n".join(message)


def _slider_page(site: Path) -> str:
    for path in _site_pages(site):
        if SLIDER_MARK in path.read_text(encoding="utf-8", errors="replace"):
            return path.relative_to(site).as_posix()
    pytest.fail("No page of the built site contains a before/after slider (enhancelib.viz.compare).")


def _split_state(page: Any, frame: Any) -> dict[str, float | str]:
    """Where the split is: line offset / frame width, the left picture's clip, the stored position."""
    box = frame.bounding_box()
    line = frame.locator(".eb-ba-line").bounding_box()
    return {
        "line": (line["x"] + line["width"] / 2 - box["x"]) / box["width"],
        "clip": frame.locator(".eb-ba-clip").evaluate("node => getComputedStyle(node).clipPath"),
        "visible_left": frame.locator(".eb-ba-clip").evaluate(
            "node => { const m = /inset\\(\\S+ ([\\d.]+)%/.exec(node.style.clipPath);"
            " return m ? 1 - parseFloat(m[1]) / 100 : -1; }"),
        "position": float(frame.get_attribute("data-position") or "nan"),
    }


def test_slider_renders_and_drags(site: Path, base_url: str, browser: Any,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    relative = _slider_page(site)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    probe = PageProbe(browser)
    try:
        probe.open(base_url + relative)
        page = probe.page
        frame = page.locator(".eb-ba-frame").first
        frame.wait_for(state="visible", timeout=30_000)
        frame.scroll_into_view_if_needed()
        box = frame.bounding_box()
        assert box and box["width"] > 50 and box["height"] > 50, f"slider has no size: {box}"
        page.wait_for_function(
            "() => { const imgs = [...document.querySelectorAll('.eb-ba-frame')[0].querySelectorAll('img')];"
            " return imgs.length === 2 && imgs.every(i => i.complete && i.naturalWidth > 0); }",
            timeout=30_000,
        )
        labels = [t.strip() for t in frame.locator(".eb-ba-label").all_inner_texts()]
        assert len(labels) == 2 and all(labels), f"slider labels missing: {labels}"

        before_shot = SCREENSHOTS / "slider-before-drag.png"
        frame.screenshot(path=str(before_shot))
        before = _split_state(page, frame)
        assert abs(before["line"] - before["visible_left"]) < 0.02, f"line and clip disagree: {before}"

        # Drag the handle from where it is to 20 % of the width.
        handle = frame.locator(".eb-ba-handle").bounding_box()
        start_x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
        target = box["x"] + 0.2 * box["width"]
        page.mouse.move(start_x, y)
        page.mouse.down()
        page.mouse.move(target, y, steps=12)
        page.mouse.up()
        after = _split_state(page, frame)
        after_shot = SCREENSHOTS / "slider-after-drag.png"
        frame.screenshot(path=str(after_shot))

        assert after["clip"] != before["clip"], f"the clip did not change: {before} -> {after}"
        assert abs(after["line"] - 0.2) < 0.03, f"the line is not where it was dragged: {after}"
        assert abs(after["visible_left"] - 0.2) < 0.03, f"the left picture is not clipped at the line: {after}"
        assert abs(after["position"] - 0.2) < 0.03 and abs(before["line"] - after["line"]) > 0.1

        # Keyboard: the handle is focusable and the arrow keys move the split.
        frame.locator(".eb-ba-handle").focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        keyed = _split_state(page, frame)
        assert keyed["position"] == pytest.approx(after["position"] + 0.04, abs=0.005), keyed

        # Menus (sliders with more than two pictures): choosing changes the right picture.
        multi = page.locator(".eb-ba").filter(has=page.locator(".eb-ba-controls:visible")).first
        if multi.count():
            multi.scroll_into_view_if_needed()
            left_select, select = multi.locator("select").nth(0), multi.locator("select").nth(1)
            options = select.locator("option").all_inner_texts()
            right = multi.locator("img.eb-ba-img-right")
            old_src = right.get_attribute("src")
            shown = {left_select.input_value(), select.input_value()}
            choice = next(o for o in options if o not in shown)
            select.select_option(label=choice)
            assert multi.locator(".eb-ba-label-right").inner_text().strip() == choice
            assert right.get_attribute("src") != old_src, "choosing another picture did not change it"
            multi_shot = SCREENSHOTS / "slider-menus.png"
            multi.screenshot(path=str(multi_shot))
        else:
            multi_shot = None
    finally:
        probe.close()
    _report(capsys, "\nSlider screenshots (" + relative + "):\n" + "\n".join(
        f"  {s}" for s in (before_shot, after_shot, multi_shot) if s))
    assert not probe.errors, "\n".join(probe.errors)
    assert not probe.outside, "requests leaving 127.0.0.1: " + ", ".join(probe.outside)


# --------------------------------------------------------------------------- layout of the reading pages
# JavaScript run in each page: tables wider than the text column, and the figures of the page (pictures,
# plots, sliders; not the theme's icons and logos). A wide table passes only inside the container that
# enhancelib.study.pages.show_table puts around it on purpose (it scrolls sideways and fits the column);
# a table that the theme merely lets scroll somewhere below the page's fold reads as cut at the right edge.
_LAYOUT_PROBE = """
() => {
  const column = document.querySelector('article.bd-article') || document.querySelector('main');
  const right = column.getBoundingClientRect().right;
  const wide = [];
  for (const table of column.querySelectorAll('table')) {
    const box = table.getBoundingClientRect();
    if (box.width === 0 || box.right <= right + 1) continue;
    const holder = table.closest('.enhancelib-table');
    if (holder && holder.getBoundingClientRect().right <= right + 1) continue;
    wide.push((table.id || table.className || 'table') + ' ' + Math.round(box.right - right) + ' px too wide: '
              + (table.innerText || '').slice(0, 60).replace(/\\s+/g, ' '));
  }
  const pictures = [...column.querySelectorAll('img')].filter(i => i.naturalWidth >= 64 && i.naturalHeight >= 64);
  const plots = [...column.querySelectorAll('svg')].filter(s => s.getBoundingClientRect().width >= 64
                                                               && s.getBoundingClientRect().height >= 64);
  const sliders = column.querySelectorAll('.eb-ba-frame');
  return {wide: wide, figures: pictures.length + plots.length + sliders.length};
}
"""

# pages made of references and commands, which have nothing to picture
_TEXT_ONLY_PAGES = {"book/bibliography.html", "book/reproduce.html", "book/lab_notes.html", "genindex.html",
                    "search.html"}


def _reading_pages(site: Path) -> list[str]:
    return [p.relative_to(site).as_posix() for p in _site_pages(site)
            if p.relative_to(site).as_posix() not in _TEXT_ONLY_PAGES]


def test_tables_fit_the_column_and_every_page_has_a_figure(site: Path, base_url: str, browser: Any) -> None:
    problems = []
    for relative in _reading_pages(site):
        probe = PageProbe(browser)
        try:
            probe.open(base_url + relative)
            found = probe.page.evaluate(_LAYOUT_PROBE)
        finally:
            probe.close()
        problems += [f"{relative}: table {w}" for w in found["wide"]]
        if relative.startswith(("notebooks/", "book/intro")) and found["figures"] < 1:
            problems.append(f"{relative}: no figure on the page")
    assert not problems, "\n".join(problems)


def test_screenshots_of_the_first_screen_and_the_results(site: Path, base_url: str, browser: Any,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """The intro and each paper chapter at 1280 px: the first screen, and the screen where its results start."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shots = []
    chapters = sorted(p.relative_to(site).as_posix() for p in (site / "notebooks").glob("0[1-4]_*.html"))
    assert len(chapters) == 4, f"expected the four paper chapters, found {chapters}"
    for relative in ["book/intro.html", *chapters]:
        probe = PageProbe(browser)
        try:
            probe.open(base_url + relative)
            stem = re.sub(r"[^A-Za-z0-9]+", "-", relative.removesuffix(".html"))
            first = SCREENSHOTS / f"first-screen-{stem}.png"
            probe.page.screenshot(path=str(first))
            shots.append(first)
            if relative.startswith("notebooks/"):
                heading = probe.page.locator("article h2", has_text=re.compile("result", re.I)).first
                assert heading.count(), f"{relative} has no section heading with 'Results'"
                heading.scroll_into_view_if_needed()
                probe.page.evaluate("h => window.scrollTo(0, h.getBoundingClientRect().top + window.scrollY - 60)",
                                    heading.element_handle())
                results = SCREENSHOTS / f"results-{stem}.png"
                probe.page.screenshot(path=str(results))
                shots.append(results)
        finally:
            probe.close()
    _report(capsys, "\nFirst screens and results sections:\n" + "\n".join(f"  {s}" for s in shots))
    assert all(s.is_file() and s.stat().st_size > 10_000 for s in shots)
