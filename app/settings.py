"""The one settings object: environment variables (prefix ``LUCKY_``) and an optional ``.env`` file."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

Target = Literal["duckdb", "mysql"]


class Settings(BaseSettings):
    """Everything configurable, in one place. Secrets are ``SecretStr`` so they never print."""

    model_config = SettingsConfigDict(env_prefix="LUCKY_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("data/full"), description="The built dataset to answer from.")
    target: Target = Field("duckdb", description="Default SQL target.")
    mysql_url: SecretStr = Field(
        SecretStr("mysql+pymysql://root@127.0.0.1:3306/"),
        description="SQLAlchemy URL of the MySQL/MariaDB target (read replica in production).",
    )
    mysql_flavor: Literal["auto", "mysql", "mariadb", "doris", "starrocks"] = Field(
        "auto", description="Server behind mysql_url: auto tells MySQL from MariaDB by VERSION(); Apache Doris "
                            "and StarRocks speak the protocol but take other session settings.")
    statement_timeout_s: float = Field(10.0, description="Per-statement time limit.")
    row_cap: int = Field(5000, description="Hard cap on rows returned by any statement.")
    today: dt.date = Field(dt.date(2026, 2, 14), description="Reference 'today' for relative dates.")
    build_scale: float = Field(1.0, description="Scale used by `make run` when building the dataset.")
    bulk_scale: float = Field(
        0.1, description="Extra factor for the very large marketing/log tables (1.0 = seed volumes)."
    )
    seed: int = Field(20260214, description="Generator seed.")
    slack_signing_secret: SecretStr | None = Field(None, description="Slack app signing secret (HTTP mode).")
    slack_bot_token: SecretStr | None = Field(None, description="Slack bot token (xoxb-...).")
    slack_app_token: SecretStr | None = Field(None, description="Slack app-level token for Socket Mode (xapp-...).")
    slack_api_url: str | None = Field(None, description="Slack Web API base URL (a local stand-in in tests).")
    slack_users: dict[str, str] = Field(
        default_factory=dict,
        description='Slack user id -> role, e.g. {"U123": "admin", "U456": "store_manager:4,5"}; default analyst.',
    )
    public_url: str = Field("http://127.0.0.1:8000", description="Base URL other systems (Dify) use to reach us.")
    engine: str = Field("auto", description="offline | llm | auto (offline first, LLM below its confidence).")
    state_dir: Path = Field(Path("var"), description="Writable service state: API keys, audit trail, saved queries.")
    state_url: str | None = Field(
        None, description="SQLAlchemy URL for keys/audit/saved queries (default: SQLite in state_dir)."
    )
    redis_url: str | None = Field(None, description="Redis for cache, conversations and rate limits (optional).")
    chroma_url: str | None = Field(
        None, description="Chroma server for the catalog index, e.g. http://chroma:8001 (`chroma run`); "
                          "default: an embedded index under <data_dir>/chroma.",
    )
    redis_console_urls: SecretStr | None = Field(
        None, description="Redis URLs the API's redis_console tool may inspect, comma-separated (default: redis_url); "
                          "HTTP callers cannot name other hosts.",
    )
    rate_limit: str = Field("60/minute", description="Requests allowed per API key or Slack user.")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint for the LLM engine.")
    llm_api_key: SecretStr | None = Field(None, description="API key of the LLM endpoint.")
    llm_model: str | None = Field(None, description="Model name at the LLM endpoint.")
    llm_timeout_s: float = Field(30.0, description="Time limit of one LLM call.")
    llm_max_repairs: int = Field(2, description="Attempts to fix SQL the guardrails or database rejected.")
    llm_context_tokens: int = Field(3000, description="Token budget of the schema context in a prompt.")
    pii_hash_key: SecretStr = Field(
        SecretStr("ask-lucky-demo-pii-key"),
        description="Key of the stable hashes that replace user numbers for non-admins (set per deployment).",
    )

    @property
    def duckdb_path(self) -> Path:
        return self.data_dir / "lucky.duckdb"

    @property
    def state_database_url(self) -> str:
        return self.state_url or f"sqlite:///{self.state_dir / 'lucky-state.sqlite'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
