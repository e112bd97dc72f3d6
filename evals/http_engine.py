"""An ``AskEngine`` that asks a running Ask Lucky service over HTTP (``lucky eval --url``).

It POSTs ``{"question", "conversation_id", "today"}`` to ``/v1/ask`` with a bearer key and reads
the same ``Answer`` JSON the CLI prints. Transport or server failures become an ``error`` answer
(scored as an error, never as a correct or confidently wrong one).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from pydantic import ValidationError

from app.answer import Answer
from guardrails.principal import Principal


class HttpEngine:
    """Client for ``POST {base_url}/v1/ask``."""

    def __init__(self, base_url: str, api_key: str | None, *, timeout_s: float = 60.0,
                 send_today: bool = True, client: httpx.Client | None = None) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.send_today = send_today
        self.client = client or httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout_s)
        if client is not None and api_key:
            self.client.headers.update(headers)

    def ask(self, question: str, *, conversation_id: str | None, principal: Principal,
            today: dt.date) -> Answer:
        body: dict[str, Any] = {"question": question, "conversation_id": conversation_id}
        if self.send_today:
            body["today"] = today.isoformat()
        try:
            resp = self.client.post("/v1/ask", json=body)
        except httpx.HTTPError as err:
            return Answer(status="error", question=question, reason=f"request failed: {err}", engine="http")
        if resp.status_code >= 400:
            return Answer(status="error", question=question, engine="http",
                          reason=f"HTTP {resp.status_code}: {resp.text[:300]}")
        try:
            return Answer.model_validate(resp.json())
        except (ValueError, ValidationError) as err:
            return Answer(status="error", question=question, engine="http",
                          reason=f"the service did not return an Answer: {str(err)[:300]}")

    def close(self) -> None:
        self.client.close()
