"""The search page in a real browser: Debian's chromium, driven by Playwright, against `codesearch serve`."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PROJECT = Path(__file__).resolve().parents[2]
SCREENSHOT = PROJECT / "docs" / "screenshot.png"
SCRIPT = "<script>alert(1)</script>"
OPTIONS = '#results [role="option"]'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 - a local test server
        return r.status, r.read()


@pytest.fixture(scope="module")
def server(real_settings, real_index, tmp_path_factory):
    """`python -m codesearch.cli serve` on a free port over the session's real index; yields its base URL."""
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODESEARCH_")}
    env["CODESEARCH_LEXICON_DIR"] = str(real_settings.lexicon_dir)
    cmd = [
        sys.executable, "-m", "codesearch.cli",
        "--data-dir", str(real_settings.data_dir), "--index", str(real_settings.index_dir),
        "serve", "--port", str(port), "--workers", "2",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"codesearch serve exited with {proc.returncode}:\n{log.read_text()}")
            try:
                status, body = _get(base + "/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"codesearch serve did not answer /healthz within 30 s:\n{log.read_text()}")
            time.sleep(0.2)
        assert real_index.manifest["build_id"].encode() in body, "the server must use the session's index"
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # only the group this fixture started
            proc.wait()


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, headless, launched by Playwright (no downloaded browser)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium package")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class Seen:
    """What the page did besides rendering: dialogs opened, script errors, CSP violations."""

    dialogs: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)


@pytest.fixture
def seen():
    """An empty record of dialogs and errors, filled by the page fixture."""
    return Seen()


@pytest.fixture
def page(browser, server, seen):
    """A fresh browser page on the server, recording dialogs, uncaught errors and CSP reports."""
    context = browser.new_context(base_url=server, viewport={"width": 1000, "height": 760})
    page = context.new_page()
    page.set_default_timeout(10_000)

    def on_dialog(dialog):
        seen.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda exc: seen.page_errors.append(str(exc)))
    page.on("console", lambda m: seen.csp.append(m.text) if "Content Security Policy" in m.text else None)
    yield page
    context.close()


def api(page, q: str) -> dict:
    """The /api/search answer the page's script asks for, fetched beside it."""
    r = page.request.get(f"/api/search?limit=10&q={quote(q)}")
    assert r.ok
    return r.json()


def type_query(page, text: str, delay: int = 120) -> None:
    """Focus the search box on / and type ``text`` one key at a time."""
    page.goto("/")
    box = page.locator("#q")
    box.click()
    box.press_sequentially(text, delay=delay)


def test_type_octa_then_enter_opens_code_page(page, seen):
    """Typing octa key by key lists J1568 first; Enter opens /codes/J1568 with its NDC table."""
    from playwright.sync_api import expect

    type_query(page, "octa")
    expect(page.locator(f'{OPTIONS}[data-code="J1568"]')).to_be_visible()
    want = api(page, "octa")
    options = page.locator(OPTIONS)
    expect(options).to_have_count(len(want["results"]))
    assert [o.get_attribute("data-code") for o in options.all()] == [r["code"] for r in want["results"]]
    expect(options.first).to_have_attribute("data-code", "J1568")
    expect(page.locator("#q")).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#status")).to_have_text(f"{want['total']} codes match")
    expect(page).to_have_url(re.compile(r"/\?q=octa$"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/codes/J1568")
    assert page.url.endswith("/codes/J1568")
    expect(page.locator("h1")).to_contain_text("J1568")
    expect(page.locator("table.ndcs")).to_contain_text("68982-0840-01")
    expect(page.locator("table.ndcs")).to_contain_text("Octapharma")
    assert seen.page_errors == [] and seen.csp == [] and seen.dialogs == []


def test_arrow_keys_select_and_escape_clears(page, seen):
    """ArrowDown marks the first option aria-selected, arrows move it, Escape empties the list then the box."""
    from playwright.sync_api import expect

    type_query(page, "octa")
    n = len(api(page, "octa")["results"])
    assert n >= 2, "octa should match J1568 and at least one more code"
    options = page.locator(OPTIONS)
    expect(options).to_have_count(n)
    expect(options.first).to_have_attribute("data-code", "J1568")
    box = page.locator("#q")
    page.keyboard.press("ArrowDown")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    expect(options.nth(1)).to_have_attribute("aria-selected", "false")
    expect(box).to_have_attribute("aria-activedescendant", "opt-0")
    page.keyboard.press("ArrowDown")
    expect(options.nth(0)).to_have_attribute("aria-selected", "false")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    for _ in range(n):  # past the end: stays on the last option
        page.keyboard.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", f"opt-{n - 1}")
    expect(page.locator('#results [aria-selected="true"]')).to_have_count(1)
    for _ in range(n + 1):  # past the start: stays on the first option
        page.keyboard.press("ArrowUp")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Escape")
    expect(options).to_have_count(0)
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#status")).to_have_text("")
    page.keyboard.press("Escape")
    expect(box).to_have_value("")
    assert seen.page_errors == [] and seen.csp == []


def test_first_escape_keeps_text(page):
    """The first Escape closes the list but keeps the typed text; only a second one clears it."""
    from playwright.sync_api import expect

    type_query(page, "octa")
    expect(page.locator(OPTIONS).first).to_have_attribute("data-code", "J1568")
    page.keyboard.press("Escape")
    expect(page.locator(OPTIONS)).to_have_count(0)
    page.wait_for_timeout(300)
    assert page.locator("#q").input_value() == "octa"


def test_escape_drops_active_descendant(page):
    """After Escape closes the list, the box no longer names an active option."""
    from playwright.sync_api import expect

    type_query(page, "octa")
    expect(page.locator(OPTIONS).first).to_have_attribute("data-code", "J1568")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#q")).to_have_attribute("aria-activedescendant", "opt-0")
    page.keyboard.press("Escape")
    expect(page.locator(OPTIONS)).to_have_count(0)
    assert page.locator("#q").get_attribute("aria-activedescendant") is None


def test_ivig_shows_results_with_marks(page, seen):
    """Typing IVIG lists the API's results in order, with <mark> elements built from the snippets."""
    from playwright.sync_api import expect

    type_query(page, "IVIG")
    want = api(page, "IVIG")
    assert want["results"], "IVIG must match codes on the real index"
    options = page.locator(OPTIONS)
    expect(options).to_have_count(len(want["results"]))
    expect(options.first).to_have_attribute("data-code", want["results"][0]["code"])
    assert [o.get_attribute("data-code") for o in options.all()] == [r["code"] for r in want["results"]]
    links = page.locator(f"{OPTIONS} a")
    assert [a.get_attribute("href") for a in links.all()] == [f"/codes/{r['code']}" for r in want["results"]]
    expected_marks = [m for r in want["results"] for m in re.findall(r"<mark>(.*?)</mark>", r["snippet"])]
    assert expected_marks, "the IVIG snippets should mark the expanded words"
    assert page.locator("#results .snippet mark").all_inner_texts() == expected_marks
    expect(page.locator("#status")).to_have_text(f"{want['total']} codes match")
    assert seen.page_errors == [] and seen.csp == []


def test_click_option_opens_code_page(page, seen):
    """Clicking an option opens that code's page."""
    from playwright.sync_api import expect

    type_query(page, "octagam")
    page.locator(f'{OPTIONS}[data-code="J1568"]').click()
    page.wait_for_url("**/codes/J1568")
    expect(page.locator("h2", has_text="Also known as")).to_be_visible()
    assert seen.page_errors == []


def test_script_query_is_text(page, seen):
    """A typed <script> query stays text: results render, no dialog opens, no script element appears."""
    from playwright.sync_api import expect

    type_query(page, SCRIPT, delay=30)
    want = api(page, SCRIPT)
    assert want["results"], "alert matches codes on the real index, so results are rendered"
    expect(page.locator(OPTIONS)).to_have_count(len(want["results"]))
    expect(page.locator("#q")).to_have_value(SCRIPT)
    assert page.locator("#results script").count() == 0
    for text in page.locator("#results .snippet").all_inner_texts():
        assert "<script" not in text.lower()
    page.wait_for_timeout(300)  # a dialog would open right after rendering
    assert seen.dialogs == []
    assert seen.page_errors == []


def test_script_query_in_url_is_text(page, seen):
    """/?q=<script>alert(1)</script> renders the query as the box's text and opens no dialog."""
    from playwright.sync_api import expect

    page.goto("/?q=" + quote(SCRIPT))
    expect(page.locator("#q")).to_have_value(SCRIPT)
    assert page.locator("main script").count() == 0
    page.wait_for_timeout(300)
    assert seen.dialogs == []
    assert seen.page_errors == [] and seen.csp == []


def test_escape_during_request_stays_cleared(page, seen):
    """Escape pressed while a search is in flight leaves the list empty once the answer arrives."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect

    held = []
    page.goto("/")
    page.route("**/api/search*", lambda route: held.append(route))
    page.locator("#q").press_sequentially("octagam", delay=20)
    deadline = time.monotonic() + 5
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(20)
    assert held, "the page should have asked /api/search"
    page.wait_for_timeout(200)  # past the debounce: no timer left
    page.keyboard.press("Escape")
    expect(page.locator(OPTIONS)).to_have_count(0)
    for route in held:
        try:
            route.continue_()
        except PlaywrightError:  # a request the page already aborted
            pass
    page.wait_for_timeout(800)  # the released answer arrives and would be rendered
    assert page.locator(OPTIONS).count() == 0


@pytest.mark.skipif(not os.environ.get("CODESEARCH_SCREENSHOT"),
                    reason="set CODESEARCH_SCREENSHOT=1 to rewrite docs/screenshot.png")
def test_screenshot_for_readme(page):
    """Saves the results for IVIG to docs/screenshot.png for the README."""
    from playwright.sync_api import expect

    type_query(page, "IVIG")
    expect(page.locator(OPTIONS)).to_have_count(len(api(page, "IVIG")["results"]))
    page.locator("#q").blur()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
