"""Who is asking: the role decides masking, the shop list decides row-level scope."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Role = Literal["analyst", "store_manager", "admin", "system"]


class Principal(BaseModel, frozen=True):
    """A caller. ``system`` is the departmental tools' principal: read-only, unmasked aggregates."""

    role: Role = "analyst"
    shops: tuple[int, ...] = Field(default=(), description="shop ids a store_manager may see")
    name: str = "anonymous"

    @property
    def sees_raw_pii(self) -> bool:
        return self.role in {"admin"}


ANALYST = Principal(role="analyst", name="analyst")
SYSTEM = Principal(role="system", name="system")
ADMIN = Principal(role="admin", name="admin")
