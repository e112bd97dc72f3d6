"""`lucky serve`: run the HTTP service (uvicorn)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind."),
              port: int = typer.Option(8000, "--port", help="Port to listen on."),
              workers: int = typer.Option(1, "--workers", help="Worker processes (about one per core; the state "
                                                                "is shared through Redis and the state database)."),
              access_log: bool = typer.Option(True, "--access-log/--no-access-log",
                                              help="One log line per request (costs a few % of throughput)."),
              log_level: str = typer.Option("info", "--log-level", help="debug | info | warning | error."),
              proxy_headers: bool = typer.Option(True, "--proxy-headers/--no-proxy-headers",
                                                 help="Trust X-Forwarded-* from --forwarded-allow-ips "
                                                      "(behind a load balancer).")) -> None:
        """Start the Ask Lucky HTTP service."""
        import uvicorn

        uvicorn.run("app.api.main:app", host=host, port=port, workers=workers, log_level=log_level,
                    access_log=access_log, proxy_headers=proxy_headers)
