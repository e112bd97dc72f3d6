"""The web chat end to end: a real service, headless Chromium asks a question, the answer is read off the page."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.settings import Settings
from app.state.keys import create_key

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def service(small_settings: Settings) -> Iterator[tuple[str, str, Path]]:
    state = Path(tempfile.mkdtemp(prefix="lucky-web-"))
    key = create_key(f"sqlite:///{state / 'lucky-state.sqlite'}", role="analyst", name="web-e2e")
    port = _free_port()
    env = {**os.environ, "LUCKY_DATA_DIR": str(small_settings.data_dir), "LUCKY_STATE_DIR": str(state)}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "app.api.main:app", "--port", str(port),
                             "--log-level", "warning"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield base, key, state
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(state, ignore_errors=True)


def _dom(url: str) -> str:
    assert CHROMIUM, "headless Chromium is needed for the web test: apt-get install chromium"
    profile = tempfile.mkdtemp(prefix="lucky-chromium-")
    try:
        out = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--virtual-time-budget=15000", "--dump-dom", url],
            capture_output=True, text=True, timeout=90, check=True)
        return out.stdout
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def test_page_is_served(service: tuple[str, str, Path]) -> None:
    base, _, _ = service
    html = urllib.request.urlopen(base + "/").read().decode()
    assert 'id="question"' in html and "/web/app.js" in html


def test_chromium_asks_and_reads_the_answer(service: tuple[str, str, Path]) -> None:
    base, key, _ = service
    question = "How many orders did 8th & Broadway do yesterday?"
    dom = _dom(f"{base}/#key={key}&q={urllib.parse.quote(question)}")
    assert question.replace("&", "&amp;") in dom
    summary = re.search(r'<p class="summary">([^<]*)</p>', dom)
    assert summary, dom[-2000:]
    assert "orders" in summary.group(1).lower() and re.search(r"\d", summary.group(1))
    assert re.search(r'<pre class="sql"[^>]*>SELECT', dom), "the SQL is on the page (toggled)"
    # 👍/👎 under the answer (they POST /v1/feedback; the API tests cover what a click sends)
    feedback = re.search(r'<div class="feedback"([^>]*)>(.*?)<span class="fb-status"', dom, re.S)
    assert feedback and "hidden" not in feedback.group(1), "the feedback buttons are shown under the answer"
    assert 'class="thumb up"' in feedback.group(2) and 'class="thumb down"' in feedback.group(2)


def test_chromium_shows_a_refusal(service: tuple[str, str, Path]) -> None:
    base, key, _ = service
    dom = _dom(f"{base}/#key={key}&q={urllib.parse.quote('delete all orders from yesterday')}")
    assert re.search(r'class="turn [^"]*refuse', dom) or 'data-status="refuse"' in dom


class _Page:
    """A headless Chromium tab driven over the DevTools protocol (clicks need more than --dump-dom)."""

    def __init__(self, profile: str) -> None:
        from websockets.sync.client import connect

        assert CHROMIUM, "headless Chromium is needed for the web test: apt-get install chromium"
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
             "--disable-background-networking", "--disable-component-update", f"--user-data-dir={profile}",
             "--remote-debugging-port=0", "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(profile) / "DevToolsActivePort"
        for _ in range(300):
            if port_file.exists() and port_file.read_text().count("\n") >= 1:
                break
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        pages = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5).read())
        self.stack = contextlib.ExitStack()
        self.ws = self.stack.enter_context(
            connect(next(p for p in pages if p["type"] == "page")["webSocketDebuggerUrl"], max_size=None))
        self.n = 0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.n += 1
        self.ws.send(json.dumps({"id": self.n, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv(timeout=30))
            if msg.get("id") == self.n:
                return dict(msg.get("result", {}))

    def js(self, expression: str) -> Any:
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def wait(self, expression: str, seconds: float = 30) -> Any:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {expression}")

    def close(self) -> None:
        self.stack.close()
        self.proc.terminate()
        self.proc.wait(10)


def test_thumbs_send_feedback_for_review(service: tuple[str, str, Path]) -> None:
    from app.engine.feedback import FeedbackStore

    base, key, state = service
    store = FeedbackStore(f"sqlite:///{state / 'lucky-state.sqlite'}")  # the service's state database
    profile = tempfile.mkdtemp(prefix="lucky-chromium-")
    page = _Page(profile)
    try:
        question = "How many orders did 8th & Broadway do yesterday?"
        page.call("Page.navigate", url=f"{base}/#key={key}&q={urllib.parse.quote(question)}")
        page.wait("!!document.querySelector('.feedback:not([hidden]) .up')")
        sql = page.js("document.querySelector('.sql').textContent")
        page.js("document.querySelector('.feedback .up').click()")
        note = page.wait("document.querySelector('.fb-status').textContent.startsWith('Thanks') && "
                         "document.querySelector('.fb-status').textContent")
        assert "admin will review" in note
        fid = page.js("document.querySelector('.feedback').dataset.id")
        item = next(i for i in store.items() if i.id == fid)
        assert (item.question, item.verdict, item.sql, item.state) == (question, "right", sql, "pending")
        assert item.user == "key:web-e2e" and page.js("document.querySelector('.feedback .up').disabled")

        # a second question in the same page, through the form; 👎 with a correction on its answer
        page.js("document.querySelector('#question').value = 'revenue yesterday'; "
                "document.querySelector('#send').click()")
        page.wait("document.querySelectorAll('.feedback:not([hidden])').length === 2")
        last = "[...document.querySelectorAll('.turn')].pop()"
        page.js(f"{last}.querySelector('.down').click()")
        assert page.js(f"!{last}.querySelector('.correction').hidden")
        fixed = "SELECT SUM(o.pay_money) FROM luckyus_sales_order.t_order o WHERE o.status = 90"
        page.js(f"{last}.querySelector('.corrected').value = {json.dumps(fixed)}; "
                f"{last}.querySelector('.send-wrong').click()")
        page.wait(f"{last}.querySelector('.feedback').dataset.sent === 'wrong'")
        fid = page.js(f"{last}.querySelector('.feedback').dataset.id")
        item = next(i for i in store.items() if i.id == fid)
        assert (item.verdict, item.corrected_sql, item.state) == ("wrong", fixed, "pending")
    finally:
        page.close()
        shutil.rmtree(profile, ignore_errors=True)
