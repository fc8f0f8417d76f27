"""``users``: the web app's users, managed by central IT. A password is never an argument (it
would show in the process list): it is asked twice on a terminal, or read from standard input
with ``--password-stdin``."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from consolidation.cli.common import (
    JsonOption,
    LimitOption,
    OffsetOption,
    app,
    console,
    open_pipeline,
    paged,
    print_page,
    read_settings,
)
from consolidation.core import store
from consolidation.core.errors import ConsolidationError

users_app = typer.Typer(
    help="Users of the web app: add, list, disable, reset.", no_args_is_help=True
)
app.add_typer(users_app, name="users")

PasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from standard input (scripts)."),
]


def read_password(from_stdin: bool) -> str:
    """The new password: one line of stdin, or asked twice on a terminal."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise ConsolidationError("--password-stdin: standard input held no password")
        return password
    if not sys.stdin.isatty():
        raise ConsolidationError(
            "no terminal to ask the password on; pipe it in with --password-stdin"
        )
    first = typer.prompt("Password", hide_input=True)
    if typer.prompt("Password again", hide_input=True) != first:
        raise ConsolidationError("the two passwords differ; nothing changed")
    return str(first)


@users_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The username (lower case).")],
    role: Annotated[str, typer.Option(help="admin, steward, finance or auditor.")],
    ministry: Annotated[
        list[str] | None, typer.Option("--ministry", help="A steward's ministry (repeatable).")
    ] = None,
    password_stdin: PasswordStdin = False,
    as_json: JsonOption = False,
) -> None:
    """Add a user; the first admin is made this way (there is no default password)."""
    pipeline = open_pipeline()
    store.require_current(pipeline.engine)
    password = read_password(password_stdin)
    user = pipeline.users.add(
        name, role, password, ministries=ministry or (), actor=read_settings().operator
    )
    if as_json:
        print(json.dumps(user.as_json(), ensure_ascii=False, indent=2))
        return
    scope = f" for {', '.join(user.ministries)}" if user.ministries else ""
    console.print(f"added {user.role} {user.username}{scope}", highlight=False)


@users_app.command("list")
def list_users(
    limit: LimitOption = 200,
    offset: OffsetOption = 0,
    as_json: JsonOption = False,
) -> None:
    """Every user, with its role, ministries, state and open sessions, a page at a time."""
    pipeline = open_pipeline()
    store.require_current(pipeline.engine)
    users, page = paged(pipeline.users.list(), limit, offset)
    if as_json:
        print_page(page, "users", [u.as_json() for u in users])
        return
    table = Table(box=box.SIMPLE_HEAD, title=f"{page.total:,} users")
    for column in ("user", "role", "ministries", "state", "sessions", "created"):
        table.add_column(column)
    for user in users:
        state = "disabled" if user.disabled else "active"
        if user.locked_until:
            state += f", locked until {user.locked_until:%Y-%m-%d %H:%M} UTC"
        table.add_row(
            user.username,
            user.role,
            ", ".join(user.ministries) or "all",
            state,
            str(user.active_sessions),
            f"{user.created_at:%Y-%m-%d} by {user.created_by}",
        )
    console.print(table)
    print_page(page, "users")


@users_app.command("disable")
def disable(
    name: Annotated[str, typer.Argument(help="The username.")],
    enable: Annotated[bool, typer.Option("--enable", help="Enable it again instead.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Disable a user: its sessions end at once (or --enable it again)."""
    pipeline = open_pipeline()
    store.require_current(pipeline.engine)
    ended = pipeline.users.set_disabled(name, not enable, actor=read_settings().operator)
    if as_json:
        print(json.dumps({"username": name, "disabled": not enable, "sessions_ended": ended}))
        return
    state = "enabled" if enable else f"disabled; {ended} session(s) ended"
    console.print(f"{name} {state}", highlight=False)


@users_app.command("reset-password")
def reset_password(
    name: Annotated[str, typer.Argument(help="The username.")],
    password_stdin: PasswordStdin = False,
    as_json: JsonOption = False,
) -> None:
    """A new password; the lockout is lifted and the user's sessions end."""
    pipeline = open_pipeline()
    store.require_current(pipeline.engine)
    password = read_password(password_stdin)
    ended = pipeline.users.reset_password(name, password, actor=read_settings().operator)
    if as_json:
        print(json.dumps({"username": name, "sessions_ended": ended}))
        return
    console.print(f"password of {name} reset; {ended} session(s) ended", highlight=False)
