"""NLM's own autocomplete-lhc widget, from the npm registry, on a page of another origin, against codesearch.

The page is what a site using NLM's Clinical Table Search Service would serve, with the one line
changed: its autocompleters point at `codesearch serve` (another loopback port) instead of
clinicaltables.nlm.nih.gov. The widget is installed by `npm ci --prefix tests/browser` (pinned in
tests/browser/package.json and package-lock.json); scripts/test.sh runs it, and so does this test if
the package is missing.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import socket
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HERE = Path(__file__).resolve().parent
WIDGET = HERE / "node_modules" / "autocomplete-lhc"
#: The widget's list: one table row per item, the code in the first cell (tableFormat).
ROWS = "#lhc-tools-searchResults tbody tr"
CODE_CELLS = f"{ROWS} td:first-child"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def widget() -> Path:
    """autocomplete-lhc as pinned in package-lock.json, installed with npm ci when missing."""
    if not (WIDGET / "package.json").exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is missing; install Node.js and npm, or run: npm ci --prefix tests/browser")
        subprocess.run([npm, "ci", "--prefix", str(HERE), "--no-audit", "--no-fund"], check=True,
                       capture_output=True, timeout=300)
    version = json.loads((WIDGET / "package.json").read_text())["version"]
    locked = json.loads((HERE / "package-lock.json").read_text())["packages"]["node_modules/autocomplete-lhc"]
    assert version == locked["version"], f"installed autocomplete-lhc {version}, locked {locked['version']}"
    return WIDGET


def widget_scripts(widget: Path) -> list[str]:
    """The widget's source files in the order its index.js loads them (each also runs as a plain script)."""
    order = re.findall(r"require\('(\.\.?/[^']+)'\)", (widget / "source" / "index.js").read_text())
    paths = [(widget / "source" / f"{name}.js").resolve().relative_to(widget) for name in order]
    # The AngularJS directive is optional and needs AngularJS; a plain site leaves it out.
    return [str(p) for p in paths if p.name != "autocomplete-lhc.js"]


def site_page(widget: Path, api: str) -> str:
    """A third-party site's page: two fields with NLM's widget pointed at codesearch (the switched line)."""
    scripts = "\n".join(f'<script src="/autocomplete-lhc/{p}"></script>' for p in widget_scripts(widget))
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>A site using NLM's autocompleter</title>
<link rel="stylesheet" href="/autocomplete-lhc/source/auto_completion.css">
<link rel="icon" href="data:,">
</head><body>
<label for="hcpcs">HCPCS</label> <input id="hcpcs" type="text">
<label for="icd">Diagnosis</label> <input id="icd" type="text">
<label for="ranked">HCPCS, server's order</label> <input id="ranked" type="text">
{scripts}
<script>
window.picked = [];
new Def.Autocompleter.Search('hcpcs', '{api}/api/hcpcs/v3/search',
  {{tableFormat: true, valueCols: [0], colHeaders: ['Code', 'Name']}});
new Def.Autocompleter.Search('icd', '{api}/api/icd10cm/v3/search',
  {{tableFormat: true, valueCols: [0], colHeaders: ['Code', 'Name']}});
new Def.Autocompleter.Search('ranked', '{api}/api/hcpcs/v3/search',
  {{tableFormat: true, valueCols: [0], colHeaders: ['Code', 'Name'], sort: false,
    suggestionMode: Def.Autocompleter.USE_STATISTICS}});
for (const id of ['hcpcs', 'icd', 'ranked']) {{
  Def.Autocompleter.Event.observeListSelections(Def.Observable.lookupKey(document.getElementById(id)),
    (data) => window.picked.push({{field: id, code: data.item_code, value: data.final_val}}));
}}
</script>
</body></html>"""


@pytest.fixture(scope="module")
def site(widget, server):
    """The site: a static server on another loopback port (another origin) serving the page and the widget."""
    page = site_page(widget, server).encode()

    class Handler(SimpleHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server name
            if self.path in ("/", "/index.html"):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)
                return
            if not self.path.startswith("/autocomplete-lhc/"):
                self.send_error(404)
                return
            self.path = self.path[len("/autocomplete-lhc"):]
            super().do_GET()

        def log_message(self, *args):  # keep the test output quiet
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(widget)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@pytest.fixture
def page(browser, site):
    """The site's page in a fresh context, with every console error and uncaught exception recorded."""
    context = browser.new_context(base_url=site, viewport={"width": 1000, "height": 760})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(f"pageerror: {exc}"))
    page.on("console", lambda m: page.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    page.goto("/")
    yield page
    context.close()


def type_keys(page, field: str, text: str) -> None:
    """Type ``text`` into a field one key at a time, as a person would."""
    box = page.locator(f"#{field}")
    box.click()
    box.press_sequentially(text, delay=150)


def listed_codes(page) -> list[str]:
    """The codes in the widget's open list, top to bottom."""
    return [c.strip() for c in page.locator(CODE_CELLS).all_inner_texts()]


def test_site_is_another_origin(page, server, site):
    """The page and codesearch are different origins (ports), and a plain fetch across them succeeds."""
    assert site.split(":")[-1] != server.split(":")[-1]
    answer = page.evaluate("url => fetch(url).then(r => r.json())", f"{server}/api/hcpcs/v3/search?terms=octa")
    assert answer[1][0] == "J1568"
    assert page.errors == []


def test_octa_key_by_key_lists_j1568_and_choosing_gives_its_code(page):
    """Typing octa one key at a time lists J1568 first; choosing it puts J1568 in the field and the event."""
    from playwright.sync_api import expect

    type_keys(page, "hcpcs", "octa")
    expect(page.locator(CODE_CELLS).first).to_have_text("J1568")
    page.locator(ROWS).first.click()
    expect(page.locator("#hcpcs")).to_have_value("J1568")
    page.wait_for_function("window.picked.length > 0")
    picked = page.evaluate("window.picked")
    assert picked[-1] == {"field": "hcpcs", "code": "J1568", "value": "J1568"}
    assert page.errors == []


def test_j15_lists_only_hcpcs_codes(page):
    """J15 in the HCPCS field lists J15xx HCPCS codes only, no ICD-10-CM J15.x."""
    from playwright.sync_api import expect

    type_keys(page, "hcpcs", "J15")
    expect(page.locator(CODE_CELLS).first).to_have_text(re.compile(r"^J15\d\d$"))
    codes = listed_codes(page)
    assert codes and all(re.fullmatch(r"J15\d\d", c) for c in codes), codes
    assert page.errors == []


def test_keytrudda_offers_j9271(page):
    """The misspelt brand keytrudda lists J9271 (pembrolizumab); choosing it yields J9271."""
    from playwright.sync_api import expect

    type_keys(page, "hcpcs", "keytrudda")
    row = page.locator(f'{ROWS}[data-fieldval="J9271"]')
    expect(row).to_contain_text("pembrolizumab")
    row.click()
    expect(page.locator("#hcpcs")).to_have_value("J9271")
    page.wait_for_function("window.picked.length > 0")
    assert page.evaluate("window.picked")[-1]["code"] == "J9271"
    assert page.errors == []


def test_icd10cm_field_e119_first(page):
    """E11.9 in the ICD-10-CM field lists E11.9 first; choosing it yields E11.9."""
    from playwright.sync_api import expect

    type_keys(page, "icd", "E11.9")
    expect(page.locator(CODE_CELLS).first).to_have_text("E11.9")
    expect(page.locator(f"{ROWS}").first).to_contain_text("Type 2 diabetes mellitus without complications")
    page.locator(ROWS).first.click()
    expect(page.locator("#icd")).to_have_value("E11.9")
    page.wait_for_function("window.picked.length > 0")
    assert page.evaluate("window.picked")[-1] == {"field": "icd", "code": "E11.9", "value": "E11.9"}
    assert page.errors == []


def test_see_more_asks_for_500_in_one_request(page):
    """The list's "See more" link asks for maxList=500 once and shows more than the first 7 codes."""
    from playwright.sync_api import expect

    type_keys(page, "hcpcs", "injection")
    expect(page.locator(ROWS)).to_have_count(7)
    with page.expect_response(lambda r: "maxList=500" in r.url) as answer:
        page.locator("#lhc-tools-moreResults").click()
    assert answer.value.ok
    expect(page.locator(ROWS)).not_to_have_count(7)
    assert len(listed_codes(page)) > 7
    assert page.errors == []


def test_unsorted_field_keeps_codesearch_order(page, server):
    """With sort: false and USE_STATISTICS the widget lists codesearch's ranking as the API answers it."""
    from playwright.sync_api import expect

    want = page.evaluate("url => fetch(url).then(r => r.json())", f"{server}/api/hcpcs/v3/search?terms=pembrolizumab")[1]
    assert want != sorted(want), "codesearch's order must differ from the widget's default sort for this test"
    type_keys(page, "ranked", "pembrolizumab")
    expect(page.locator(CODE_CELLS)).to_have_count(len(want))
    assert listed_codes(page) == want
    assert page.errors == []
