"""Users and sessions on both store backends, and the ``consolidate users`` commands: users
added, listed, disabled and reset with every change audited; argon2id hashes and never a
password anywhere in the database; sessions that end at sign-out, on a disabled or reset user,
when idle or too old, and rotate at sign-in; passwords never an argument of the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from consolidation.access import AccessError, SessionService, SigninRefused, UserService
from consolidation.core import store
from consolidation.core.schema import AppSession, AppUser
from consolidation.core.settings import (
    Settings,
    SourcesSettings,
    StoreSettings,
    WebSettings,
)
from consolidation.demo import generate
from consolidation.pipeline import Pipeline
from tests.web_support import CONSOLIDATE

pytestmark = pytest.mark.integration

PASSWORD = "a-long-steward-password"
OTHER = "another-long-password-2"


@pytest.fixture
def pipeline(tmp_path: Path, store_url: str) -> Iterator[Pipeline]:
    """A migrated store with the demo's ministries declared, and no user."""
    yield from _pipeline(tmp_path, store_url)


@pytest.fixture
def cli_pipeline(tmp_path: Path) -> Iterator[Pipeline]:
    """The same on SQLite: the commands only present the service tested on both backends."""
    yield from _pipeline(tmp_path, f"sqlite:///{tmp_path / 'store.db'}")


def _pipeline(tmp_path: Path, store_url: str) -> Iterator[Pipeline]:
    manifest = generate(tmp_path / "demo", employees=10, journal_lines=20)
    settings = Settings(
        store=StoreSettings(url=store_url, raw_dir=tmp_path / "raw"),
        sources=SourcesSettings(config=manifest.sources_file),
        operator="central-it",
    )
    pipeline = Pipeline(settings)
    store.upgrade(pipeline.engine)
    pipeline.register_sources()
    yield pipeline
    pipeline.close()


def _services(pipeline: Pipeline, **web: Any) -> tuple[UserService, SessionService]:
    settings = WebSettings(**web)
    return UserService(pipeline.engine, settings), SessionService(pipeline.engine, settings)


def _events(pipeline: Pipeline, action: str) -> list[dict[str, Any]]:
    with pipeline.engine.connect() as connection:
        return [
            dict(row._mapping)
            for row in connection.execute(
                sa.text("SELECT actor, target_id, detail FROM audit_event WHERE action = :a"),
                {"a": action},
            )
        ]


def dump(engine: sa.Engine) -> str:
    """Every row of every table of the store, as text."""
    parts = []
    with engine.connect() as connection:
        for table in sa.inspect(connection).get_table_names():
            rows = connection.execute(sa.text(f'SELECT * FROM "{table}"')).all()
            parts.append(f"{table}: {rows!r}")
    return "\n".join(parts)


def test_users_are_added_listed_disabled_and_reset_audited(pipeline: Pipeline) -> None:
    users, sessions = _services(pipeline)
    added = users.add("amal", "steward", PASSWORD, ministries=["moh"], actor="central-it")
    assert (added.role, added.ministries, added.disabled) == ("steward", ("MOH",), False)
    users.add("fatima", "finance", OTHER, actor="central-it")
    listed = {u.username: u for u in users.list()}
    assert set(listed) == {"amal", "fatima"}
    assert listed["fatima"].ministries == () and listed["amal"].created_by == "central-it"
    assert "password" not in json.dumps([u.as_json() for u in users.list()]).lower()

    token = sessions.start(users.authenticate("amal", PASSWORD, client="10.0.0.1"))
    assert sessions.resolve(token) is not None
    assert {u.username: u.active_sessions for u in users.list()}["amal"] == 1

    assert users.set_disabled("amal", True, actor="central-it") == 1
    assert sessions.resolve(token) is None
    with pytest.raises(SigninRefused, match="disabled"):
        users.authenticate("amal", PASSWORD, client="10.0.0.1")
    assert users.set_disabled("amal", False, actor="central-it") == 0
    token = sessions.start(users.authenticate("amal", PASSWORD, client="10.0.0.1"))

    assert users.reset_password("amal", OTHER, actor="central-it") == 1
    assert sessions.resolve(token) is None
    with pytest.raises(SigninRefused, match="wrong username or password"):
        users.authenticate("amal", PASSWORD, client="10.0.0.1")
    assert users.authenticate("amal", OTHER, client="10.0.0.1").username == "amal"

    for action, count in [
        ("user.created", 2),
        ("user.disabled", 1),
        ("user.enabled", 1),
        ("user.password_reset", 1),
        ("user.signed_in", 3),
        ("user.signin_failed", 1),
    ]:
        assert len(_events(pipeline, action)) == count, action
    assert all(e["actor"] == "central-it" for e in _events(pipeline, "user.created"))


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("Amal", "steward", PASSWORD, ["MOH"]), "lower-case"),
        (("a", "steward", PASSWORD, ["MOH"]), "2 to 64"),
        (("amal", "owner", PASSWORD, []), "role 'owner'"),
        (("amal", "steward", PASSWORD, []), "needs at least one --ministry"),
        (("amal", "auditor", PASSWORD, ["MOH"]), "only a steward"),
        (("amal", "steward", PASSWORD, ["XYZ"]), "ministry 'XYZ' is not in the store"),
        (("amal", "steward", "short", ["MOH"]), "at least 12"),
        (("amal", "steward", "amal-is-my-password", ["MOH"]), "username"),
    ],
)
def test_a_bad_user_is_refused_in_one_line(
    pipeline: Pipeline, args: tuple[str, str, str, list[str]], error: str
) -> None:
    users, _ = _services(pipeline)
    name, role, password, ministries = args
    with pytest.raises(AccessError, match=error) as caught:
        users.add(name, role, password, ministries=ministries, actor="central-it")
    assert "\n" not in str(caught.value) and password not in str(caught.value)
    assert users.list() == []


def test_a_user_is_added_once(pipeline: Pipeline) -> None:
    users, _ = _services(pipeline)
    users.add("root", "admin", PASSWORD, actor="central-it")
    with pytest.raises(AccessError, match="exists already"):
        users.add("root", "admin", OTHER, actor="central-it")
    with pytest.raises(AccessError, match="no user 'nobody'"):
        users.set_disabled("nobody", True, actor="central-it")


def test_the_store_holds_argon2id_hashes_and_never_a_password(pipeline: Pipeline) -> None:
    users, sessions = _services(pipeline, lockout_failures=2)
    users.add("amal", "steward", PASSWORD, ministries=["MOH"], actor="central-it")
    users.add("root", "admin", OTHER, actor="central-it")
    sessions.start(users.authenticate("amal", PASSWORD, client="10.0.0.1"))
    for wrong in ("a-wrong-password-one", "a-wrong-password-two"):
        with pytest.raises(SigninRefused):
            users.authenticate("root", wrong, client="10.0.0.2")
    users.reset_password("root", "a-fresh-admin-secret-9", actor="central-it")
    with pipeline.engine.connect() as connection:
        hashes = connection.execute(sa.select(AppUser.password_hash)).scalars().all()
    assert len(hashes) == 2 and all(h.startswith("$argon2id$v=19$") for h in hashes)
    text = dump(pipeline.engine)
    assert "app_user" in text and "$argon2id$" in text
    for secret in (
        PASSWORD,
        OTHER,
        "a-wrong-password-one",
        "a-wrong-password-two",
        "a-fresh-admin-secret-9",
    ):
        assert secret not in text
    # the session token is kept as its digest only
    [locked] = _events(pipeline, "user.locked_out")
    assert locked["target_id"] == "root"


def test_sessions_rotate_expire_and_carry_csrf_and_language(pipeline: Pipeline) -> None:
    users, sessions = _services(pipeline, idle_minutes=30, absolute_hours=12)
    users.add("amal", "steward", PASSWORD, ministries=["MOH"], actor="central-it")
    principal = users.authenticate("amal", PASSWORD, client="10.0.0.1")
    first = sessions.start(principal, language="ar")
    view = sessions.resolve(first)
    assert view is not None and view.principal.scope == ("MOH",) and view.language == "ar"
    assert view.csrf_ok(view.csrf_token) and not view.csrf_ok("x") and not view.csrf_ok(None)
    with pipeline.engine.connect() as connection:
        stored = connection.execute(sa.select(AppSession.token_hash)).scalars().all()
    assert first not in stored and first not in dump(pipeline.engine)

    second = sessions.start(principal, replacing=first)  # sign-in again: the id rotates
    assert second != first and sessions.resolve(first) is None
    again = sessions.resolve(second)
    assert again is not None and again.csrf_token != view.csrf_token
    sessions.set_language(second, "en")
    sessions.set_language(second, "xx")
    assert sessions.resolve(second).language == "en"  # type: ignore[union-attr]
    assert not again.recently_reauthenticated(5)
    sessions.reauthenticated(second, actor="amal")
    assert sessions.resolve(second).recently_reauthenticated(5)  # type: ignore[union-attr]

    def age(**ages: timedelta) -> None:
        now = datetime.now(UTC)
        with pipeline.engine.begin() as connection:
            connection.execute(
                sa.update(AppSession)
                .where(AppSession.ended_at.is_(None))
                .values({name: now - value for name, value in ages.items()})
            )

    age(last_seen_at=timedelta(minutes=29))
    assert sessions.resolve(second) is not None  # and it counts as activity
    age(last_seen_at=timedelta(minutes=31))
    assert sessions.resolve(second) is None
    third = sessions.start(principal)
    age(created_at=timedelta(hours=12, minutes=1))
    assert sessions.resolve(third) is None
    fourth = sessions.start(principal)
    sessions.end(fourth, actor="amal")
    assert sessions.resolve(fourth) is None
    fifth = sessions.start(principal)
    assert sessions.end_all_of("amal", actor="root") == 1
    assert sessions.resolve(fifth) is None and sessions.resolve("no-such-token") is None
    with pipeline.engine.connect() as connection:
        reasons = (
            connection.execute(sa.select(AppSession.ended_reason).order_by(AppSession.id))
            .scalars()
            .all()
        )
    assert reasons == ["signed in again", "idle", "expired", "signed out", "ended by root"]
    assert len(_events(pipeline, "session.ended")) == 1
    assert len(_events(pipeline, "user.reauthenticated")) == 1


def test_lockout_lifts_after_its_minutes_and_at_a_reset(pipeline: Pipeline) -> None:
    users, _ = _services(pipeline, lockout_failures=3, lockout_minutes=15)
    users.add("amal", "steward", PASSWORD, ministries=["MOH"], actor="central-it")
    for _ in range(3):
        with pytest.raises(SigninRefused, match="wrong"):
            users.authenticate("amal", "a-wrong-password", client="10.0.0.9")
    with pytest.raises(SigninRefused, match="locked"):
        users.authenticate("amal", PASSWORD, client="10.0.0.8")
    assert {u.username: u.locked_until for u in users.list()}["amal"] is not None
    with pipeline.engine.begin() as connection:
        connection.execute(
            sa.update(AppUser).values(locked_until=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert users.authenticate("amal", PASSWORD, client="10.0.0.8").username == "amal"
    for _ in range(3):
        with pytest.raises(SigninRefused):
            users.authenticate("amal", "a-wrong-password", client="10.0.0.7")
    users.reset_password("amal", OTHER, actor="central-it")
    assert users.authenticate("amal", OTHER, client="10.0.0.7").username == "amal"
    assert len(_events(pipeline, "user.locked_out")) == 2


def test_a_clients_attempts_are_limited_whoever_it_tries(pipeline: Pipeline) -> None:
    users, _ = _services(pipeline, client_attempts_per_minute=3)
    users.add("amal", "steward", PASSWORD, ministries=["MOH"], actor="central-it")
    for name in ("x1", "x2", "x3"):
        with pytest.raises(SigninRefused, match="wrong"):
            users.authenticate(name, "a-wrong-password", client="10.0.0.5")
    with pytest.raises(SigninRefused, match="too many"):
        users.authenticate("amal", PASSWORD, client="10.0.0.5")
    assert users.authenticate("amal", PASSWORD, client="10.0.0.6").username == "amal"


# --- the CLI -----------------------------------------------------------------------------


def _cli(
    pipeline: Pipeline, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CONSOLIDATION_STORE__URL": pipeline.settings.store.url,
        "CONSOLIDATION_STORE__RAW_DIR": str(pipeline.settings.store.raw_dir),
        "CONSOLIDATION_SOURCES__CONFIG": str(pipeline.settings.sources.config),
        "CONSOLIDATION_OPERATOR": "central-it",
        "COLUMNS": "200",
    }
    return subprocess.run(
        [CONSOLIDATE, *args],
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.e2e
def test_the_users_commands(cli_pipeline: Pipeline) -> None:
    added = _cli(
        cli_pipeline,
        "users",
        "add",
        "amal",
        "--role",
        "steward",
        "--ministry",
        "MOH",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert added.returncode == 0, added.stderr
    assert "added steward amal for MOH" in added.stdout
    assert PASSWORD not in added.stdout + added.stderr
    as_json = _cli(
        cli_pipeline,
        "users",
        "add",
        "ali",
        "--role",
        "auditor",
        "--password-stdin",
        "--json",
        stdin=OTHER,
    )
    assert as_json.returncode == 0 and json.loads(as_json.stdout)["role"] == "auditor"

    listed = _cli(cli_pipeline, "users", "list", "--json")
    assert listed.returncode == 0
    rows = {row["username"]: row for row in json.loads(listed.stdout)["users"]}
    assert rows["amal"]["ministries"] == ["MOH"] and rows["amal"]["created_by"] == "central-it"
    assert rows["ali"]["disabled"] is False and "password_hash" not in rows["ali"]
    table = _cli(cli_pipeline, "users", "list")
    assert "amal" in table.stdout and "steward" in table.stdout

    disabled = _cli(cli_pipeline, "users", "disable", "amal", "--json")
    assert json.loads(disabled.stdout) == {
        "username": "amal",
        "disabled": True,
        "sessions_ended": 0,
    }
    assert _cli(cli_pipeline, "users", "disable", "amal", "--enable").returncode == 0
    reset = _cli(
        cli_pipeline,
        "users",
        "reset-password",
        "amal",
        "--password-stdin",
        stdin="a-brand-new-password\n",
    )
    assert reset.returncode == 0, reset.stderr
    users, _ = _services(cli_pipeline)
    assert users.authenticate("amal", "a-brand-new-password", client="cli").username == "amal"
    assert "a-brand-new-password" not in dump(cli_pipeline.engine)


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("args", "stdin", "error"),
    [
        (("--password-stdin",), "", "standard input held no password"),
        (("--password-stdin",), "\n", "standard input held no password"),
        (("--password-stdin",), "short\n", "at least 12 characters"),
        ((), None, "no terminal to ask the password on"),
        (("--ministry", "XYZ", "--password-stdin"), PASSWORD, "ministry 'XYZ' is not in"),
    ],
)
def test_a_bad_users_add_is_one_line_and_exit_2(
    cli_pipeline: Pipeline, args: tuple[str, ...], stdin: str | None, error: str
) -> None:
    role = () if "--ministry" in args else ("--ministry", "MOH")
    result = _cli(
        cli_pipeline, "users", "add", "amal", "--role", "steward", *role, *args, stdin=stdin
    )
    assert result.returncode == 2, (result.stdout, result.stderr)
    message = result.stderr.strip()
    assert error in message and len(message.splitlines()) == 1, message
    assert "Traceback" not in result.stderr
    assert _services(cli_pipeline)[0].list() == []


@pytest.mark.e2e
def test_a_password_is_never_an_argument(cli_pipeline: Pipeline) -> None:
    result = _cli(
        cli_pipeline,
        "users",
        "add",
        "amal",
        "--role",
        "steward",
        "--ministry",
        "MOH",
        "--password",
        PASSWORD,
    )
    assert result.returncode == 2
    assert "No such option" in result.stderr or "--password" in result.stderr
    assert PASSWORD not in result.stdout
    help_text = _cli(cli_pipeline, "users", "add", "--help").stdout
    assert "--password-stdin" in help_text
    assert "--password " not in help_text.replace("--password-stdin", "")
    assert json.loads(_cli(cli_pipeline, "users", "list", "--json").stdout)["users"] == []


def _on_a_terminal(pipeline: Pipeline, args: list[str], answers: list[str]) -> tuple[int, str]:
    """Run the CLI on a pseudo-terminal, answering its prompts in turn; exit code and output."""
    import pty
    import select

    env = {
        **os.environ,
        "CONSOLIDATION_STORE__URL": pipeline.settings.store.url,
        "CONSOLIDATION_SOURCES__CONFIG": str(pipeline.settings.sources.config),
        "CONSOLIDATION_OPERATOR": "central-it",
        "COLUMNS": "200",
    }
    pid, fd = pty.fork()
    if pid == 0:  # the child: the pty is its controlling terminal
        os.execve(CONSOLIDATE, [CONSOLIDATE, *args], env)
    output = b""
    pending = list(answers)
    os.set_blocking(fd, False)
    deadline = time.monotonic() + 60
    try:
        while True:
            ready, _, _ = select.select([fd], [], [], 5)
            if time.monotonic() > deadline:
                raise AssertionError(f"the command waits: {output.decode(errors='replace')}")
            if not ready:
                continue
            try:
                chunk = os.read(fd, 4096)
            except BlockingIOError:
                continue
            except OSError:  # the child ended and closed the terminal
                break
            if not chunk:
                break
            output += chunk
            # click writes "Password:", then getpass flushes the terminal's input and writes
            # " ": answer only after that space, or the answer is flushed away
            if pending and output.endswith(b": "):
                os.write(fd, pending.pop(0).encode() + b"\n")
                output += b"\n"
    finally:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == 0:  # still running: it waited for an answer the test did not give
            os.kill(pid, 9)
            _, status = os.waitpid(pid, 0)
        os.close(fd)
    return os.waitstatus_to_exitcode(status), output.decode("utf-8", "replace")


@pytest.mark.e2e
def test_on_a_terminal_the_password_is_asked_twice(cli_pipeline: Pipeline) -> None:
    args = ["users", "add", "amal", "--role", "steward", "--ministry", "MOH"]
    code, output = _on_a_terminal(cli_pipeline, args, [PASSWORD, OTHER])
    assert code == 2, output
    assert "the two passwords differ; nothing changed" in output
    assert PASSWORD not in output and OTHER not in output  # never echoed
    assert json.loads(_cli(cli_pipeline, "users", "list", "--json").stdout)["users"] == []
    code, output = _on_a_terminal(cli_pipeline, args, [PASSWORD, PASSWORD])
    assert code == 0 and "added steward amal" in output, output
    assert PASSWORD not in output
