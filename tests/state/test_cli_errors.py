"""The CLI says in one sentence that a database cannot be reached; no traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize("command", [["keys", "list"], ["feedback", "list"], ["audit", "verify"]])
def test_unreachable_state_database_is_one_sentence(command: list[str]) -> None:
    env = {**os.environ, "LUCKY_STATE_URL": "mysql+pymysql://root@127.0.0.1:1/nowhere"}  # nothing listens on 1
    done = subprocess.run([sys.executable, "-m", "app.cli", *command], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith("Error: a database could not be reached") and "Traceback" not in done.stderr
