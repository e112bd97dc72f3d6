"""Property-based API testing: schemathesis generates requests from our OpenAPI document; no 5xx allowed.

Sized for CI (well under 90 s on 2 cores): the cheap operations get more examples than the
departmental tools, each of which runs real analyses on the small dataset. A tool's positive
boundary cases (every field at its limits) are left to the fuzzer's few examples, the negative ones
(which stop at validation and cost nothing) all run. Generation is deterministic, so CI is
repeatable; set LUCKY_SCHEMATHESIS_EXAMPLES / LUCKY_SCHEMATHESIS_TOOL_EXAMPLES higher and
LUCKY_SCHEMATHESIS_RANDOM=1 for a deeper, randomised run.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from app.api.deps import settings_dep
from app.api.main import create_app
from app.settings import Settings
from app.state.keys import create_key
from tests.conftest import ROOT, SMALL_SCALE, SMALL_SEED

_DATA = ROOT / ".cache" / "test-data" / f"scale{SMALL_SCALE}-seed{SMALL_SEED}"
_STATE = Path(tempfile.mkdtemp(prefix="lucky-schemathesis-"))
# The Redis console may inspect only the configured instance (an HTTP caller cannot name a host).
_SETTINGS = Settings(data_dir=_DATA, state_dir=_STATE, rate_limit="100000/minute",
                     redis_console_urls="redis://127.0.0.1:6379")
_APP = create_app()
_APP.dependency_overrides[settings_dep] = lambda: _SETTINGS
_KEY = create_key(_SETTINGS.state_database_url, role="analyst", name="schemathesis")

EXAMPLES = int(os.environ.get("LUCKY_SCHEMATHESIS_EXAMPLES", "10"))
TOOL_EXAMPLES = int(os.environ.get("LUCKY_SCHEMATHESIS_TOOL_EXAMPLES", "3"))
DETERMINISTIC = os.environ.get("LUCKY_SCHEMATHESIS_RANDOM", "") != "1"
CONFIG = SchemathesisConfig.from_dict({
    "generation": {"max-examples": EXAMPLES, "deterministic": DETERMINISTIC},
    "operations": [{
        "include-path-regex": "^/v1/tools/.",
        "generation": {"max-examples": TOOL_EXAMPLES, "deterministic": DETERMINISTIC},
        "phases": {"coverage": {"generation": {"mode": "all"}}},
    }],
})
schema = schemathesis.openapi.from_asgi("/openapi.json", _APP, config=CONFIG)


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case, small_data: Path) -> None:
    """Every operation, random valid and invalid inputs: never a 5xx, always our error shape."""
    assert small_data == _DATA
    response = case.call(headers={"Authorization": f"Bearer {_KEY}"})
    assert response.status_code < 500, f"{case.method} {case.path}: {response.status_code} {response.text[:300]}"
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"} and body["error"]["message"], body
