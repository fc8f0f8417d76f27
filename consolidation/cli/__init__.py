"""``consolidate``: the command line central IT runs migration batches with.

This is the presentation layer: it calls the pipeline and prints. A user mistake or a bad
source ends in one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys

from consolidation.cli import (  # noqa: F401 - they register
    central,
    demo,
    extract,
    mappings,
    notify,
    reconcile,
    review,
    run,
    serve,
    steward,
    users,
)
from consolidation.cli.common import OutputClosed, app, err_console
from consolidation.core.errors import ConsolidationError
from consolidation.core.secrets import install_log_filter
from consolidation.core.settings import Settings


def main() -> None:
    settings_level = "WARNING"
    try:
        settings_level = Settings().log_level
    except Exception:  # noqa: BLE001 - a bad setting is reported by the command itself
        settings_level = "WARNING"
    logging.basicConfig(
        level=getattr(logging, settings_level.upper(), logging.WARNING),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    install_log_filter()  # no credential reaches a log line, whatever a driver wrote
    try:
        try:
            app()
        except ConsolidationError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            sys.exit(2)
        except KeyboardInterrupt:
            err_console.print("[bold red]interrupted[/]")
            sys.exit(130)
    except (OutputClosed, BrokenPipeError):
        sys.exit(0)  # the reader went away (`| head`): it has what it wanted
    finally:
        flush_quietly()


def flush_quietly() -> None:
    """Flush what is left to print now; where its reader went away, send it to /dev/null, as
    Unix tools end on a broken pipe: quietly, rather than with Python's noise at exit."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except OSError:  # BrokenPipeError, or a stream closed already
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
