"""The web chat end to end: a real service, headless Chromium asks a question, the answer is read off the page."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.settings import Settings
from app.state.keys import create_key

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def service(small_settings: Settings) -> Iterator[tuple[str, str]]:
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
        yield base, key
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


def test_page_is_served(service: tuple[str, str]) -> None:
    base, _ = service
    html = urllib.request.urlopen(base + "/").read().decode()
    assert 'id="question"' in html and "/web/app.js" in html


def test_chromium_asks_and_reads_the_answer(service: tuple[str, str]) -> None:
    base, key = service
    question = "How many orders did 8th & Broadway do yesterday?"
    dom = _dom(f"{base}/#key={key}&q={urllib.request.quote(question)}")
    assert question.replace("&", "&amp;") in dom
    summary = re.search(r'<p class="summary">([^<]*)</p>', dom)
    assert summary, dom[-2000:]
    assert "orders" in summary.group(1).lower() and re.search(r"\d", summary.group(1))
    assert re.search(r'<pre class="sql"[^>]*>SELECT', dom), "the SQL is on the page (toggled)"


def test_chromium_shows_a_refusal(service: tuple[str, str]) -> None:
    base, key = service
    dom = _dom(f"{base}/#key={key}&q={urllib.request.quote('delete all orders from yesterday')}")
    assert re.search(r'class="turn [^"]*refuse', dom) or 'data-status="refuse"' in dom
