"""Open reports in headless Chromium: no console error, no network request, a screenshot.

Chromium is driven through the DevTools protocol over ``--remote-debugging-pipe`` (file
descriptors 3 and 4), with Python's standard library only. Screenshots go to
``artifacts/`` at the repository root. Without Chromium the tests skip, except under CI
(``CI=true``), where they fail.
"""

from __future__ import annotations

import atexit
import base64
import fcntl
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _studies import study_report

import fairaudit
from fairaudit.report import Section, render, render_document

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium_path() -> str:
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    message = "headless Chromium is not installed (Debian: apt-get install chromium)"
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(message + "; CI must run the browser test")
    pytest.skip(message)


class Browser:
    """A minimal DevTools-protocol client over the pipe transport."""

    def __init__(self, executable: str, user_data_dir: Path) -> None:
        to_chrome_r, self._to_chrome_w = os.pipe()
        self._from_chrome_r, from_chrome_w = os.pipe()

        def wire_pipes() -> None:  # in the child: the protocol expects fds 3 and 4
            # move both out of the way first: a pipe may already sit on fd 3 or 4
            high_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            high_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(high_r, 3)  # dup2 makes the target inheritable
            os.dup2(high_w, 4)

        self.proc = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-sync",
                "--disable-component-update",
                "--hide-scrollbars",
                "--mute-audio",
                f"--user-data-dir={user_data_dir}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire_pipes,
            close_fds=False,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._next_id = 0
        self._lock = threading.Condition()
        self._responses: dict[int, dict] = {}
        self.events: list[dict] = []
        self.targets: dict[str, str] = {}  # session id -> target id of each open tab
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_chrome_r, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                with self._lock:
                    if "id" in message:
                        self._responses[message["id"]] = message
                    else:
                        self.events.append(message)
                    self._lock.notify_all()

    def send(
        self,
        method: str,
        params: dict | None = None,
        session: str | None = None,
        timeout: float = 60,
    ) -> dict:
        with self._lock:
            self._next_id += 1
            ident = self._next_id
        message = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        try:
            os.write(self._to_chrome_w, json.dumps(message).encode() + b"\0")
        except BrokenPipeError:
            raise RuntimeError(
                f"Chromium exited (code {self.proc.poll()}) before answering {method}"
            ) from None
        deadline = time.monotonic() + timeout
        with self._lock:
            while ident not in self._responses:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no answer to {method}")
                self._lock.wait(left)
            answer = self._responses.pop(ident)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer.get("result", {})

    def wait_for(self, method: str, session: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for event in self.events:
                    if event.get("method") == method and event.get("sessionId") == session:
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no {method} event")
                self._lock.wait(left)

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_chrome_w, self._from_chrome_r):
            try:
                os.close(fd)
            except OSError:
                pass


_BROWSER: list[Browser] = []  # one Chromium per test process, started on first use


def start_browser(tmp_path: Path) -> Browser:
    """The test process's Chromium (a fresh profile of its own), started on first use and
    again if it has exited; each page opens in a tab of its own (:func:`new_tab`), closed
    with :func:`close_tab`. ``tmp_path`` is unused: the profile outlives any one test."""
    if _BROWSER and _BROWSER[0].proc.poll() is None:
        return _BROWSER[0]
    profile = Path(tempfile.mkdtemp(prefix="fairaudit-chromium-"))
    browser = Browser(chromium_path(), profile)
    atexit.register(shutil.rmtree, profile, ignore_errors=True)
    atexit.register(browser.close)
    _BROWSER[:] = [browser]
    return browser


def new_tab(browser: Browser, domains: tuple[str, ...]) -> str:
    """A blank tab with the DevTools ``domains`` enabled; its session id."""
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
        "sessionId"
    ]
    browser.targets[session] = target
    for domain in domains:
        browser.send(f"{domain}.enable", session=session)
    return session


def close_tab(browser: Browser, session: str) -> None:
    """Close the tab of ``session`` and forget its events."""
    target = browser.targets.pop(session, None)
    if target is not None and browser.proc.poll() is None:
        try:
            browser.send("Target.closeTarget", {"targetId": target}, timeout=10)
        except (RuntimeError, TimeoutError):
            browser.close()  # a browser in a bad state: the next test starts a new one
    with browser._lock:
        browser.events = [e for e in browser.events if e.get("sessionId") != session]


#: How long after the load event console messages and requests are still collected.
LATE_MESSAGES_S = 0.3


def load(
    page: Path,
    tmp_path: Path,
    screenshot: Path | None = None,
    *,
    width: int = 1280,
    height: int = 1000,
    full_page: bool = False,
    pdf: Path | None = None,
    full_screenshot: Path | None = None,
) -> dict:
    """Open ``page`` from file://; return console errors, requests and page facts.

    ``screenshot`` is of the viewport, or of the whole page with ``full_page``;
    ``full_screenshot`` is of the whole page too, taken from the same tab after
    ``screenshot``. The events are read at least :data:`LATE_MESSAGES_S` after the load
    event, once the screenshots and the PDF are taken.
    """
    browser = start_browser(tmp_path)
    session = new_tab(browser, ("Runtime", "Log", "Network", "Page"))
    try:
        browser.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        url = page.resolve().as_uri()
        browser.send("Page.navigate", {"url": url}, session=session)
        browser.wait_for("Page.loadEventFired", session)
        loaded = time.monotonic()
        facts = browser.send(
            "Runtime.evaluate",
            {
                "expression": "JSON.stringify({title: document.title, "
                "sections: document.querySelectorAll('main > section').length, "
                "svgs: document.querySelectorAll('svg').length, "
                "height: document.documentElement.scrollHeight})",
                "returnByValue": True,
            },
            session=session,
        )["result"]["value"]
        facts = json.loads(facts)
        for shot, whole in ((screenshot, full_page), (full_screenshot, True)):
            if shot is None:
                continue
            params = {"format": "png"}
            if whole:
                params["clip"] = {
                    "x": 0,
                    "y": 0,
                    "width": width,
                    "height": facts["height"],
                    "scale": 1,
                }
                params["captureBeyondViewport"] = True
            data = browser.send("Page.captureScreenshot", params, session=session)["data"]
            shot.parent.mkdir(parents=True, exist_ok=True)
            shot.write_bytes(base64.b64decode(data))
        if pdf is not None:
            browser.send("Emulation.setEmulatedMedia", {"media": "print"}, session=session)
            printed = browser.send(
                "Runtime.evaluate",
                {
                    "expression": "JSON.stringify({toc: getComputedStyle("
                    "document.querySelector('nav.toc')).display, "
                    "badge: document.querySelector('.badge') && getComputedStyle("
                    "document.querySelector('.badge')).printColorAdjust})",
                    "returnByValue": True,
                },
                session=session,
            )["result"]["value"]
            facts["print"] = json.loads(printed)
            data = browser.send(
                "Page.printToPDF", {"printBackground": True}, session=session, timeout=120
            )["data"]
            pdf.parent.mkdir(parents=True, exist_ok=True)
            pdf.write_bytes(base64.b64decode(data))
        time.sleep(max(0.0, loaded + LATE_MESSAGES_S - time.monotonic()))  # late messages
        with browser._lock:
            events = [e for e in browser.events if e.get("sessionId") == session]
    finally:
        close_tab(browser, session)
    errors = []
    requests = []
    for e in events:
        method, params = e["method"], e.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in (
            "error",
            "warning",
            "assert",
        ):
            errors.append(f"console.{params['type']}: {params.get('args')}")
        elif method == "Runtime.exceptionThrown":
            errors.append(f"exception: {params.get('exceptionDetails', {}).get('text')}")
        elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
            errors.append(f"log {params['entry']['level']}: {params['entry'].get('text')}")
        elif method == "Network.requestWillBeSent":
            requested = params["request"]["url"]
            if requested != url:
                requests.append(requested)
    return {"errors": errors, "requests": requests, "url": url, **facts}


def audit_report() -> str:
    rng = np.random.default_rng(4)
    n = 3000
    sf = pd.DataFrame(
        {
            "sex": rng.choice(["Female", "Male"], n),
            "race": rng.choice(["Black", "White", "Asian"], n, p=[0.3, 0.5, 0.2]),
        }
    )
    latent = rng.normal(0, 1.3, n) - 0.8 * (sf["sex"] == "Female") - 0.4 * (sf["race"] == "Black")
    score = 1 / (1 + np.exp(-latent))
    y = (rng.random(n) < score).astype(int)
    result = fairaudit.audit(
        y,
        (score >= 0.5).astype(int),
        sensitive_features=sf,
        y_score=score,
        threshold=0.5,
        n_bootstrap=100,
        random_state=0,
    )
    comparison = pd.DataFrame(
        {
            "model": ["baseline", "reweighing", "threshold optimizer"],
            "accuracy": [0.78, 0.77, 0.74],
            "demographic_parity_difference": [0.21, 0.09, 0.03],
            "equalized_odds_difference": [0.18, 0.10, 0.04],
        }
    )
    context = Section(
        "Context and intended use",
        paragraphs=[
            "Synthetic screening model used to check that the report renders in a browser."
        ],
    )
    return render(
        result, comparison=comparison, sections=[context], title="Fairness audit: screening model"
    )


@pytest.fixture(scope="module")
def report_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("browser") / "report.html"
    path.write_text(audit_report(), encoding="utf-8")
    return path


def test_report_loads_cleanly_and_screenshot_is_saved(report_file, tmp_path):
    shot = ARTIFACTS / "report-top.png"
    full = ARTIFACTS / "report-full.png"
    facts = load(report_file, tmp_path, shot, full_screenshot=full)
    assert facts["errors"] == []
    assert facts["requests"] == []
    assert facts["title"] == "Fairness audit: screening model"
    assert facts["sections"] == 13  # 11 standard + context + mitigation comparison
    assert facts["svgs"] >= 6
    assert ink(shot) > MIN_INK and ink(full) > MIN_INK  # a real rendering, not a blank page
    assert full.stat().st_size > shot.stat().st_size


def test_print_stylesheet_applies(report_file, tmp_path):
    pdf = ARTIFACTS / "report.pdf"
    facts = load(report_file, tmp_path, pdf=pdf)
    assert facts["print"] == {"toc": "none", "badge": "exact"}
    assert facts["errors"] == []
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 50_000


def test_harness_sees_network_requests_and_csp_errors(tmp_path):
    """Control: a page that tries to load things must be caught, or the test above proves
    nothing."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        render_document("control", [Section("x", "y")]).replace(
            "</main>",
            '<img src="http://127.0.0.1:9/pixel.png" alt="">'
            '<script>console.error("boom")</script></main>',
        ),
        encoding="utf-8",
    )
    facts = load(bad, tmp_path)
    assert any("Content Security Policy" in e or "Refused" in e for e in facts["errors"])
    # CSP blocks the image before any request is made; without the policy it would be sent
    unguarded = tmp_path / "unguarded.html"
    unguarded.write_text(
        '<!DOCTYPE html><title>t</title><img src="http://127.0.0.1:9/pixel.png" alt="">',
        encoding="utf-8",
    )
    facts = load(unguarded, tmp_path)
    assert facts["requests"] == ["http://127.0.0.1:9/pixel.png"]


def test_hostile_group_names_do_not_run_in_the_browser(tmp_path):
    rng = np.random.default_rng(1)
    n = 400
    groups = np.array(
        [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "</script><script>console.error(1)</script>",
        ]
    )[rng.integers(0, 3, n)]
    y = rng.integers(0, 2, n)
    result = fairaudit.audit(
        y,
        rng.integers(0, 2, n),
        sensitive_features=pd.Series(groups, name="<b onmouseover=alert(1)>"),
        n_bootstrap=0,
    )
    page = tmp_path / "hostile.html"
    render(result, path=page)
    facts = load(page, tmp_path)
    assert facts["errors"] == []
    assert facts["requests"] == []


def test_awkward_group_names_render_with_their_charts(tmp_path):
    """Names that look like CSS, markup or links are text: the charts are drawn (none is
    refused by the report's own SVG check) and nothing runs or loads."""
    rng = np.random.default_rng(2)
    n = 900
    names = np.array(
        [
            "url(x)",
            "</svg><b>bold</b>",
            "A & B",
            "\\75 rl(x)",
            "a|b",
            "javascript:alert(1)",
            "line one\nline two",
            "\U0001f469 emoji",
        ],
        dtype=object,
    )
    groups = names[rng.integers(0, len(names), n)]
    score = rng.random(n)
    result = fairaudit.audit(
        rng.integers(0, 2, n),
        (score > 0.5).astype(int),
        sensitive_features=pd.Series(groups, name="url(#a)"),
        y_score=score,
        n_bootstrap=20,
        random_state=0,
    )
    page = tmp_path / "awkward.html"
    render(result, path=page)
    shot = ARTIFACTS / "report-awkward-names.png"
    facts = load(page, tmp_path, shot, width=400, full_page=True)
    assert facts["errors"] == []
    assert facts["requests"] == []
    assert facts["svgs"] >= 3  # disparities, errors, scores


@pytest.fixture(scope="module")
def recommendation_report() -> Path:
    return study_report("recommendation")


@pytest.mark.parametrize("width", [1400, 400])
def test_recommendation_case_study_renders(recommendation_report, tmp_path, width):
    shot = ARTIFACTS / f"recommendation-{width}.png"
    facts = load(recommendation_report, tmp_path, shot, width=width, full_page=True)
    assert facts["errors"] == []
    assert facts["requests"] == []
    assert facts["title"] == "The recommender feedback loop"
    assert facts["sections"] == 8
    assert facts["svgs"] >= 4
    assert ink(shot) > MIN_INK


def test_recommendation_case_study_prints(recommendation_report, tmp_path):
    pdf = ARTIFACTS / "recommendation.pdf"
    facts = load(recommendation_report, tmp_path, pdf=pdf)
    assert facts["errors"] == []
    assert facts["print"]["toc"] == "none"
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 50_000


def test_credit_case_study_report_renders_wide_narrow_and_in_print(tmp_path):
    """The credit case study's report (Hardt et al.'s FICO study) in a browser: wide, phone
    width and printed; no error, no request, every figure drawn."""
    page = study_report("credit")
    wide = ARTIFACTS / "credit-1400.png"
    facts = load(page, tmp_path, wide, width=1400, full_page=True)
    assert facts["errors"] == []
    assert facts["requests"] == []
    assert facts["title"] == "Credit: what fairness costs a lender"
    assert facts["sections"] == 7
    assert facts["svgs"] >= 4
    assert ink(wide) > MIN_INK
    narrow = ARTIFACTS / "credit-400.png"
    facts = load(page, tmp_path, narrow, width=400, full_page=True)
    assert facts["errors"] == [] and facts["requests"] == []
    assert ink(narrow) > MIN_INK
    pdf = ARTIFACTS / "credit.pdf"
    facts = load(page, tmp_path, pdf=pdf)
    assert facts["print"]["toc"] == "none"
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 50_000


# ----------------------------------------------------------------------------- print and phone
#: A4 paper; the margins are the report's own (``@page`` in report.css), given to Chromium
#: too so that the page box is the same whichever it uses.
A4_MM = (210.0, 297.0)
CSS = (ROOT / "fairaudit" / "report" / "static" / "report.css").read_text(encoding="utf-8")
_PAGE = __import__("re").search(r"@page\s*\{\s*margin:\s*([\d.]+)mm\s+([\d.]+)mm", CSS)
PAGE_MARGIN_MM = (float(_PAGE.group(1)), float(_PAGE.group(2)))  # (top/bottom, left/right)
#: The width of the printed page's content box in CSS pixels (96 per inch).
PRINT_WIDTH = round((A4_MM[0] - 2 * PAGE_MARGIN_MM[1]) / 25.4 * 96)
#: The same on a landscape page, where tables too wide for whole words are printed.
LANDSCAPE_WIDTH = round((A4_MM[1] - 2 * PAGE_MARGIN_MM[1]) / 25.4 * 96)

#: Every visible table: its extent, and the text of the header of its last column (the
#: header cell reaching furthest right; the lowest such when several do, as a column
#: without sub-headers spans all the header rows).
TABLES_JS = """JSON.stringify({width: document.documentElement.clientWidth,
  tables: [...document.querySelectorAll('table')].filter(t => t.getClientRects().length)
    .map(t => {
      const boxes = [t, ...t.querySelectorAll('th, td')].map(e => e.getBoundingClientRect())
        .filter(b => b.width > 0);
      const heads = [...t.querySelectorAll('thead th')];
      if (!heads.length) heads.push(...(t.querySelector('tr') || {children: []}).children);
      const right = e => e.getBoundingClientRect().right;
      const head = heads.reduce((a, b) => (a === null || right(b) >= right(a) ? b : a), null);
      return {section: (t.closest('section') || {id: ''}).id,
              caption: (t.caption || {textContent: ''}).textContent.trim().slice(0, 60),
              left: Math.min(...boxes.map(b => b.left)),
              right: Math.max(...boxes.map(b => b.right)),
              last: head ? head.textContent : '',
              landscape: t.classList.contains('print-wide')};
    })})"""

#: The criteria grid's verdict cells at the current width.
GRID_JS = """JSON.stringify({width: document.documentElement.clientWidth,
  cells: [...document.querySelectorAll('table.grid td.verdict')].map(c => {
    const b = c.getBoundingClientRect();
    return {left: b.left, right: b.right, top: b.top + window.scrollY, bottom: b.bottom
            + window.scrollY, text: c.textContent.trim()};
  })})"""


def probe(
    page: Path,
    tmp_path: Path,
    expression: str,
    *,
    width: int,
    print_media: bool,
    pdf: Path | None = None,
    screenshot: Path | None = None,
    rows_of=None,
) -> dict:
    """Lay ``page`` out at ``width`` CSS pixels (as printed, or on screen), evaluate the
    JavaScript ``expression`` (a JSON string) on it; print the page on A4, or take a
    screenshot of the full width, if asked: of the whole page, or of the page's rows
    ``rows_of(facts)`` (``(top, bottom)`` in CSS pixels from the top of the page, or None
    for the whole page)."""
    browser = start_browser(tmp_path)
    session = new_tab(browser, ("Page",))
    try:
        if print_media:
            browser.send("Emulation.setEmulatedMedia", {"media": "print"}, session=session)
        browser.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 1000, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        browser.send("Page.navigate", {"url": page.resolve().as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired", session)
        facts = json.loads(
            browser.send(
                "Runtime.evaluate",
                {"expression": expression, "returnByValue": True},
                session=session,
            )["result"]["value"]
        )
        if pdf is not None:
            inch = 25.4
            data = browser.send(
                "Page.printToPDF",
                {
                    "printBackground": True,
                    "paperWidth": A4_MM[0] / inch,
                    "paperHeight": A4_MM[1] / inch,
                    "marginTop": PAGE_MARGIN_MM[0] / inch,
                    "marginBottom": PAGE_MARGIN_MM[0] / inch,
                    "marginLeft": PAGE_MARGIN_MM[1] / inch,
                    "marginRight": PAGE_MARGIN_MM[1] / inch,
                },
                session=session,
                timeout=120,
            )["data"]
            pdf.parent.mkdir(parents=True, exist_ok=True)
            pdf.write_bytes(base64.b64decode(data))
        if screenshot is not None:
            height = browser.send(
                "Runtime.evaluate",
                {"expression": "document.documentElement.scrollHeight", "returnByValue": True},
                session=session,
            )["result"]["value"]
            top, bottom = (rows_of and rows_of(facts)) or (0, height)
            data = browser.send(
                "Page.captureScreenshot",
                {
                    "format": "png",
                    "captureBeyondViewport": True,
                    "clip": {"x": 0, "y": top, "width": width, "height": bottom - top, "scale": 1},
                },
                session=session,
            )["data"]
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            screenshot.write_bytes(base64.b64decode(data))
    finally:
        close_tab(browser, session)
    return facts


def _squeeze(text: str) -> str:
    """Letters and digits only: a header cell may wrap onto two lines, and the order of
    its punctuation in the extracted text may differ."""
    return "".join(ch for ch in text if ch.isalnum())


def pdf_text(pdf: Path) -> str:
    """The text drawn on the PDF's pages (what a reader of the printout sees), as letters
    and digits only."""
    return _squeeze(
        subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
    )


def pdf_page_sizes(pdf: Path) -> list[tuple[float, float]]:
    """(width, height) in points of every page of ``pdf`` (poppler's pdfinfo)."""
    out = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "9999", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    return [
        (float(w), float(h)) for w, h in re.findall(r"Page +\d+ size: +([\d.]+) x ([\d.]+)", out)
    ]


def too_wide(facts: dict) -> list[str]:
    """The tables that reach beyond the page (half a pixel of rounding allowed); a table
    printed on a landscape page of its own may be as wide as that page."""
    found = []
    for t in facts["tables"]:
        width = LANDSCAPE_WIDTH if t.get("landscape") else facts["width"]
        if t["left"] < -0.5 or t["right"] > width + 0.5:
            found.append(
                f"{t['section']} / {t['caption']!r}: {t['left']:.0f}..{t['right']:.0f} px of "
                f"{width}"
            )
    return found


def check_prints_within_the_page(page: Path, tmp_path: Path, name: str) -> dict:
    """Every table of ``page`` fits the width of an A4 page as printed, and the last
    column of each is in the PDF's text."""
    pdf = ARTIFACTS / f"{name}-a4.pdf"
    facts = probe(page, tmp_path, TABLES_JS, width=PRINT_WIDTH, print_media=True, pdf=pdf)
    assert facts["width"] == PRINT_WIDTH
    assert facts["tables"], "no table to check"
    assert too_wide(facts) == []
    # a table printed on a page of its own gets landscape pages, the rest stay upright
    sizes = pdf_page_sizes(pdf)
    assert any(w > h for w, h in sizes) == any(t.get("landscape") for t in facts["tables"])
    assert any(w < h for w, h in sizes)
    text = pdf_text(pdf).casefold()  # a header may be printed capitalised by the style sheet
    missing = [
        t["last"]
        for t in facts["tables"]
        if not all(_squeeze(word).casefold() in text for word in t["last"].split())
    ]
    assert missing == []
    return facts


@pytest.fixture(scope="module")
def comparison_report(tmp_path_factory) -> Path:
    """``fairaudit report a.json b.json``: two models side by side."""
    rng = np.random.default_rng(9)
    n = 2000
    sf = pd.DataFrame(
        {
            "sex": rng.choice(["Female", "Male"], n),
            "race": rng.choice(["Black", "White", "Asian"], n, p=[0.3, 0.5, 0.2]),
        }
    )
    score = 1 / (1 + np.exp(-(rng.normal(0, 1.2, n) - 0.6 * (sf["sex"] == "Female"))))
    y = (rng.random(n) < score).astype(int)
    results = [
        fairaudit.audit(
            y,
            (score >= t).astype(int),
            sensitive_features=sf,
            y_score=score,
            threshold=t,
            n_bootstrap=50,
            random_state=0,
            name=name,
        )
        for name, t in (("baseline", 0.5), ("stricter threshold", 0.6))
    ]
    path = tmp_path_factory.mktemp("comparison") / "comparison.html"
    path.write_text(render(*results, title="Two models"), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def compas_report() -> Path:
    return study_report("compas")


@pytest.fixture(scope="module")
def credit_report() -> Path:
    return study_report("credit")


@pytest.fixture(scope="module")
def hiring_report() -> Path:
    """A small hiring study (600 applicants per set), as the other tests read it."""
    return study_report("hiring")


@pytest.fixture(scope="module")
def policing_report() -> Path:
    return study_report("policing")


@pytest.mark.parametrize(
    "kind", ["audit", "comparison", "recommendation", "compas", "credit", "hiring", "policing"]
)
def test_every_table_fits_the_printed_page(kind, request, tmp_path):
    fixture = {"audit": "report_file"}.get(kind, f"{kind}_report")
    check_prints_within_the_page(request.getfixturevalue(fixture), tmp_path, kind)


def test_the_print_check_fails_on_a_table_wider_than_the_page(report_file, tmp_path):
    """Control: a table of cells that may not wrap is wider than the page; the check sees
    it, and the printout indeed loses its last column."""
    keep = "style='white-space: nowrap; overflow-wrap: normal'"
    cells = "".join(f"<th {keep}>column {i} with a long name</th>" for i in range(12))
    wide = tmp_path / "wide.html"
    wide.write_text(
        report_file.read_text(encoding="utf-8").replace(
            "</main>",
            f"<section id='wide'><table><thead><tr>{cells}"
            f"<th {keep}>LASTCOLUMNMARKER</th></tr></thead>"
            "<tbody><tr><td>1</td></tr></tbody></table></section></main>",
        ),
        encoding="utf-8",
    )
    pdf = tmp_path / "wide.pdf"
    facts = probe(wide, tmp_path, TABLES_JS, width=PRINT_WIDTH, print_media=True, pdf=pdf)
    assert [t.split(" / ")[0] for t in too_wide(facts)] == ["wide"]
    assert "LASTCOLUMNMARKER" not in pdf_text(pdf)
    with pytest.raises(AssertionError):
        check_prints_within_the_page(wide, tmp_path, "control-wide")


def ink(png: Path) -> float:
    """The share of a screenshot's pixels that are drawn (darker than light grey, on a
    copy at most 400 px wide): about 0.07 to 0.18 for a report, 0 for a blank page, which
    as a PNG of 1280 x 9000 px still weighs about 50 kB."""
    from PIL import Image

    with Image.open(png) as image:
        grey = image.convert("L")
        grey.thumbnail((400, 4000))
        counts = grey.histogram()
    return sum(counts[:200]) / sum(counts)


#: The least :func:`ink` of a screenshot of a rendered page.
MIN_INK = 0.03


def test_the_ink_check_fails_on_a_blank_page(tmp_path):
    """Control: a blank screenshot as large as a long report's has no ink."""
    from PIL import Image

    blank = tmp_path / "blank.png"
    Image.new("RGB", (1280, 9000), "white").save(blank)
    assert blank.stat().st_size > 20_000  # its size alone would pass for a rendering
    assert ink(blank) == 0.0 < MIN_INK


def verdict_cells_on_screen(page: Path, tmp_path: Path, shot: Path) -> list[str]:
    """What is wrong with the criteria grid's verdict cells at 400 px: outside the screen,
    or blank in the screenshot (no badge drawn where the cell is)."""
    from PIL import Image

    def grid_rows(facts: dict) -> tuple[int, int] | None:
        """The rows of the page the verdict cells are drawn on (none: the whole page)."""
        cells = facts["cells"]
        if not cells:
            return None
        return (
            math.floor(min(c["top"] for c in cells)),
            math.ceil(max(c["bottom"] for c in cells)),
        )

    facts = probe(
        page, tmp_path, GRID_JS, width=400, print_media=False, screenshot=shot, rows_of=grid_rows
    )
    assert facts["cells"], "no verdict cell in the criteria grid"
    image = Image.open(shot).convert("L")
    top = grid_rows(facts)[0]  # the screenshot's first row on the page
    problems = []
    for cell in facts["cells"]:
        if cell["left"] < 0 or cell["right"] > facts["width"]:
            problems.append(f"{cell['text']!r} at {cell['left']:.0f}..{cell['right']:.0f} px")
            continue
        box = image.crop(
            (
                int(cell["left"]) + 1,
                int(cell["top"]) - top + 1,
                int(cell["right"]) - 1,
                int(cell["bottom"]) - top - 1,
            )
        )
        low, high = box.getextrema()
        if high - low < 60:  # a uniform patch: nothing drawn
            problems.append(f"{cell['text']!r} is blank on the screenshot")
    return problems


def test_the_criteria_grid_verdicts_are_on_a_phone_screen(report_file, tmp_path):
    assert verdict_cells_on_screen(report_file, tmp_path, ARTIFACTS / "report-grid-400.png") == []


def test_the_phone_check_fails_when_the_grid_is_too_wide(report_file, tmp_path):
    """Control: a grid kept on one line and wider than the phone puts its last verdicts
    off the screen, and the check says so."""
    page = tmp_path / "nowrap.html"
    page.write_text(
        report_file.read_text(encoding="utf-8").replace(
            "</style>",
            "table.grid th, table.grid td { white-space: nowrap !important; "
            "min-width: 9rem; }</style>",
            1,
        ),
        encoding="utf-8",
    )
    problems = verdict_cells_on_screen(page, tmp_path, tmp_path / "nowrap.png")
    assert problems and all("px" in p for p in problems)


#: The lines each verdict word of the criteria grid takes (a word broken in two takes two).
BADGE_WORD_JS = """JSON.stringify({words: [...document.querySelectorAll(
  'table.grid td.verdict .badge')].map(b => {
    const node = [...b.childNodes].reverse().find(n => n.textContent.trim());
    const range = document.createRange();
    range.selectNodeContents(node);
    const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    return {word: node.textContent.trim(), lines: tops.size};
  })})"""


def test_a_narrow_grid_keeps_its_verdict_words_whole(tmp_path):
    """One attribute on a phone: the verdict words are not broken inside (the symbol may go
    above the word); the 3-attribute grid above may break them to stay on screen."""
    rng = np.random.default_rng(0)
    n = 400  # small groups and modest gaps: inconclusive criteria, with long class names
    classes = np.array(["Low", "Medium", "High"], dtype=object)
    g = rng.choice(["a", "b"], n)
    y = classes[rng.integers(0, 3, n)]
    pred = np.where(rng.random(n) < np.where(g == "a", 0.8, 0.7), y, classes[rng.integers(0, 3, n)])
    result = fairaudit.audit(
        y, pred, sensitive_features=g, task="multiclass", n_bootstrap=100, random_state=0
    )
    assert (result.criteria["verdict"] == "inconclusive").any()
    page = tmp_path / "one.html"
    render(result, path=page)
    facts = probe(page, tmp_path, BADGE_WORD_JS, width=400, print_media=False)
    words = facts["words"]
    assert "INCONCLUSIVE" in {w["word"] for w in words}
    assert [w for w in words if w["lines"] > 1] == []


# ----------------------------------------------------------------------------- glossary
#: Each header link: where it leads, and how it is drawn against the header around it.
GLOSSARY_JS = """JSON.stringify({
  entries: document.querySelectorAll('#glossary dt[id]').length,
  links: [...document.querySelectorAll('a.term')].map(a => {
    const target = document.getElementById(a.getAttribute('href').slice(1));
    const style = getComputedStyle(a), cell = getComputedStyle(a.closest('th'));
    return {text: a.textContent,
            target: target ? target.tagName + '#' + (target.closest('section') || {id: ''}).id
                           + ' ' + target.textContent : '',
            colour: style.color === cell.color,
            line: style.textDecorationLine, dotted: style.textDecorationStyle};
  })})"""


@pytest.fixture(scope="module")
def glossary_reports(tmp_path_factory) -> dict[str, Path]:
    """A regression and a multiclass report, whose glossaries and links differ from a
    binary audit's."""
    rng = np.random.default_rng(12)
    n = 1500
    race = rng.choice(["Black", "White", "Asian"], n, p=[0.3, 0.5, 0.2])
    y = rng.normal(50, 10, n)
    numbers = fairaudit.audit(
        y,
        y + rng.normal(0, 5, n) + 3 * (race == "Black"),
        sensitive_features=race,
        task="regression",
        n_bootstrap=50,
        random_state=0,
    )
    classes = np.array(["low", "medium", "high"])
    yc = rng.choice(classes, n)
    pred = np.where(rng.random(n) < 0.6, yc, rng.choice(classes, n))
    labels = fairaudit.audit(
        yc, pred, sensitive_features=race, task="multiclass", n_bootstrap=50, random_state=0
    )
    folder = tmp_path_factory.mktemp("glossary")
    out = {}
    for name, result in (("regression", numbers), ("multiclass", labels)):
        out[name] = folder / f"{name}.html"
        out[name].write_text(render(result), encoding="utf-8")
    return out


@pytest.mark.parametrize("kind", ["binary", "regression", "multiclass"])
def test_glossary_links_lead_to_their_entries_and_look_like_their_header(
    kind, report_file, glossary_reports, tmp_path
):
    page = report_file if kind == "binary" else glossary_reports[kind]
    screen = probe(
        page,
        tmp_path,
        GLOSSARY_JS,
        width=1280,
        print_media=False,
        screenshot=ARTIFACTS / f"glossary-{kind}.png",
    )
    links = screen["links"]
    assert screen["entries"] >= 20 and len(links) >= 15
    assert [x["text"] for x in links if not x["target"].startswith("DT#glossary ")] == []
    assert [x["text"] for x in links if not x["colour"]] == []  # the header's own colour
    assert {(x["line"], x["dotted"]) for x in links} == {("underline", "dotted")}
    printed = probe(page, tmp_path, GLOSSARY_JS, width=PRINT_WIDTH, print_media=True)
    assert {x["line"] for x in printed["links"]} == {"none"}  # plain text on paper


@pytest.mark.parametrize("kind", ["regression", "multiclass"])
def test_glossary_reports_print_within_the_page(kind, glossary_reports, tmp_path):
    check_prints_within_the_page(glossary_reports[kind], tmp_path, f"glossary-{kind}")
