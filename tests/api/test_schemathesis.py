"""Property-based API testing: schemathesis generates requests from our OpenAPI document; no 5xx allowed."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from app.api.deps import settings_dep
from app.api.main import create_app
from app.settings import Settings
from app.state.keys import create_key
from tests.conftest import ROOT, SMALL_SCALE, SMALL_SEED

_DATA = ROOT / ".cache" / "test-data" / f"scale{SMALL_SCALE}-seed{SMALL_SEED}"
_STATE = Path(tempfile.mkdtemp(prefix="lucky-schemathesis-"))
_SETTINGS = Settings(data_dir=_DATA, state_dir=_STATE, rate_limit="100000/minute")
_APP = create_app()
_APP.dependency_overrides[settings_dep] = lambda: _SETTINGS
_KEY = create_key(_SETTINGS.state_database_url, role="analyst", name="schemathesis")
schema = schemathesis.openapi.from_asgi("/openapi.json", _APP)
MAX_EXAMPLES = int(os.environ.get("LUCKY_SCHEMATHESIS_EXAMPLES", "8"))


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case, small_data: Path) -> None:
    """Every operation, random valid and invalid inputs: never a 5xx, always our error shape."""
    assert small_data == _DATA
    response = case.call(headers={"Authorization": f"Bearer {_KEY}"})
    assert response.status_code < 500, f"{case.method} {case.path}: {response.status_code} {response.text[:300]}"
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"} and body["error"]["message"], body
