"""``serve``: the stewards' web app, from the same store and settings as the CLI."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from consolidation.cli.common import SourcesOption, app, err_console, open_pipeline
from consolidation.core import store
from consolidation.web import create_app


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (web.host).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (web.port).")] = None,
    sources: SourcesOption = None,
) -> None:
    """Serve the web app for stewards, finance officers and auditors (uvicorn)."""
    pipeline = open_pipeline(sources)
    store.require_current(pipeline.engine)
    settings = pipeline.settings.web
    host, port = host or settings.host, port or settings.port
    if not pipeline.users.list():
        err_console.print(
            "no user yet: add the first admin with `consolidate users add NAME --role admin`"
        )
    err_console.print(f"serving on http://{host}:{port}/login", highlight=False)
    uvicorn.run(
        create_app(pipeline), host=host, port=port, log_level="warning", access_log=False,
        proxy_headers=settings.secure_cookies, server_header=False,
    )  # fmt: skip
