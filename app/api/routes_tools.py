"""`GET /v1/tools` and one typed `POST /v1/tools/{name}` per departmental tool."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends

from app.api.audit_hook import record
from app.api.deps import PrincipalDep, principal_dep, settings_dep
from app.api.errors import ApiError
from app.api.tool_inputs import api_model, tool_input
from app.executor import get_executor
from app.settings import Settings
from guardrails.principal import Principal
from tools.base import ToolContext, ToolInput, ToolOutput, ToolSpec
from tools.registry import all_tools

router = APIRouter(prefix="/v1", tags=["tools"])


@router.get("/tools", summary="List the departmental tools and their inputs.")
def list_tools(_: PrincipalDep) -> list[dict[str, Any]]:
    return [{"name": s.name, "title": s.title, "department": s.department, "seed_tool": s.seed_tool,
             "description": s.description, "input_schema": api_model(s).model_json_schema()} for s in all_tools()]


def run_tool(spec: ToolSpec, body: ToolInput, principal: Principal, settings: Settings,
             surface: str = "api") -> ToolOutput:
    """Run a tool for a caller: the caller's principal narrows the system one (scope, masking).

    ``body`` is what the caller sent (the API model); the server fills connection fields and checks dates.
    """
    started = time.perf_counter()
    run_as = principal if principal.role == "store_manager" else principal.model_copy(update={"role": "system"})
    ctx = ToolContext(executor=get_executor(settings), target=settings.target, principal=run_as, today=settings.today)
    status = "error"
    try:
        out = spec.run(ctx, tool_input(spec, body, settings))
        status = "answer"
        return out
    except (ValueError, OverflowError) as err:  # a tool's own input checks, or arithmetic the inputs broke
        reason = "a date or a number of days is outside the calendar" if isinstance(err, OverflowError) else str(err)
        message = f"The {spec.title} tool cannot run with these inputs: {reason.rstrip('.')}."
        raise ApiError(422, "invalid_tool_input", message) from None
    finally:
        record(settings, principal, surface=surface, kind="tool", question=f"{spec.name} {body.model_dump_json()}",
               sql=";\n".join(ctx.statements) or None, status=status, rules=[],
               rows=0, latency_ms=(time.perf_counter() - started) * 1000, engine=f"tool:{spec.name}")


def _endpoint(spec: ToolSpec) -> Callable[..., ToolOutput]:
    model = api_model(spec)

    def endpoint(body: model, principal: Principal = Depends(principal_dep),  # type: ignore[valid-type]
                 settings: Settings = Depends(settings_dep)) -> ToolOutput:
        return run_tool(spec, body, principal, settings)

    endpoint.__doc__ = spec.description
    # The body type is only known at run time; give FastAPI real types, not postponed strings.
    endpoint.__annotations__ = {"body": model, "principal": Principal, "settings": Settings, "return": ToolOutput}
    return endpoint


def add_tool_routes(router_: APIRouter) -> None:
    for spec in all_tools():
        router_.add_api_route(f"/tools/{spec.name}", _endpoint(spec), methods=["POST"], response_model=ToolOutput,
                              summary=spec.title, description=spec.description, operation_id=f"tool_{spec.name}")


add_tool_routes(router)
