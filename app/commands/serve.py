"""`lucky serve`: run the HTTP service (uvicorn)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind."),
              port: int = typer.Option(8000, "--port", help="Port to listen on."),
              workers: int = typer.Option(1, "--workers", help="Worker processes.")) -> None:
        """Start the Ask Lucky HTTP service."""
        import uvicorn

        uvicorn.run("app.api.main:app", host=host, port=port, workers=workers, log_level="info")
