"""`lucky keys`: create, list and revoke API keys."""

from __future__ import annotations

import typer

from app.commands.common import JsonOpt, console, fail, print_json, print_table, settings_with

app = typer.Typer(help="Create, list and revoke API keys (hashed at rest).", no_args_is_help=True)


@app.command("create")
def create(role: str = typer.Option("analyst", "--role", help="analyst | store_manager | admin"),
           shops: str = typer.Option("", "--shops", help="Comma-separated shop ids (store_manager)."),
           name: str = typer.Option("default", "--name", help="Who or what the key is for.")) -> None:
    """Create a key; it is printed once and only its hash is stored."""
    from app.state.keys import create_key

    if role not in {"analyst", "store_manager", "admin"}:
        fail(f"Unknown role {role!r}: use analyst, store_manager or admin.")
    try:
        shop_ids = tuple(int(s) for s in shops.split(",") if s.strip())
        key = create_key(settings_with().state_database_url, role=role, name=name, shops=shop_ids)  # type: ignore[arg-type]
    except ValueError as err:
        fail(str(err))
    console.print(f"[bold]{key}[/bold]\nStore it now: it cannot be shown again.")


@app.command("list")
def list_(as_json: bool = JsonOpt) -> None:
    """List keys (prefix, name, role, shops) — never the secret."""
    from app.state.keys import list_keys

    rows = list_keys(settings_with().state_database_url)
    if as_json:
        print_json(rows)
    else:
        print_table(["id", "prefix", "name", "role", "shops", "created_at", "revoked"],
                    [[r[c] for c in ("id", "prefix", "name", "role", "shops", "created_at", "revoked")] for r in rows])


@app.command("revoke")
def revoke(key_id: int = typer.Argument(..., help="The key's id from `lucky keys list`.")) -> None:
    """Revoke a key; requests with it are refused from now on."""
    from app.state.keys import revoke_key

    if not revoke_key(settings_with().state_database_url, key_id):
        fail(f"No key with id {key_id}.")
    console.print(f"key {key_id} revoked")
