import time
from pathlib import Path

import pytest

from consolidation.core.errors import ConfigError
from consolidation.core.sources import load_sources, secret_from_env

GOOD = """\
ministries:
  MOH: {name_ar: وزارة الصحة, name_en: Ministry of Health}
sources:
  moh_hr:
    ministry: MOH
    domain: hr
    name: Health HR
    kind: sql
    url: postgresql+psycopg://hr_reader@db.moh.example/hr
    password_env: MOH_HR_DB_PASSWORD
    entities:
      employee: {table: HR_EMP, key: [EMP_NO], control: {salary: BASIC_SAL}}
  moh_files:
    ministry: MOH
    domain: finance
    name: Health exports
    kind: csv
    entities:
      journal_line: {path: gl.csv, encoding: cp1256, key: [LINE], control: {debit: DR}}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_config_loads_and_resolves_paths(tmp_path: Path) -> None:
    config = load_sources(_write(tmp_path, GOOD))
    source = config.source("moh_files")
    assert source.kind == "csv"
    entity = source.entities["journal_line"]
    assert config.resolve(entity.path) == tmp_path / "gl.csv"  # type: ignore[union-attr]
    assert config.ministries["MOH"].name_ar == "وزارة الصحة"


@pytest.mark.parametrize(
    ("change", "line", "expected"),
    [
        (("kind: csv", "kind: ftp"), 17, "kind"),
        (("key: [EMP_NO], ", ""), 12, "key: is required but missing"),
        (("salary: BASIC_SAL", "bonus: BASIC_SAL"), 12, "unknown control role 'bonus'"),
        (("hr_reader@", "hr_reader:pw@"), 9, "holds a password"),
        (("example/hr", "example/hr?password=pw"), 9, "holds a password (password=…)"),
        (("example/hr", "example/hr?sslmode=require&PWD=pw"), 9, "holds a password (PWD=…)"),
        (("example/hr", "example/hr?odbc_connect=DSN%3Dx;Pwd=pw"), 9, "holds a password"),
        (
            ("ministry: MOH\n    domain: finance", "ministry: MOX\n    domain: finance"),
            14,
            "'MOX' is not declared",
        ),
        (("encoding: cp1256", "encoding: latin1"), 19, "encoding"),
        (("{table: HR_EMP, ", "{table: HR_EMP, query: SELECT 1, "), 12, "exactly one of"),
    ],
)
def test_errors_name_file_line_field_and_expectation(
    tmp_path: Path, change: tuple[str, str], line: int, expected: str
) -> None:
    path = _write(tmp_path, GOOD.replace(*change, 1))
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}:"), message
    assert expected in message
    assert "\n" not in message
    assert "pw@" not in message


def test_unknown_source_lists_the_known_ones(tmp_path: Path) -> None:
    config = load_sources(_write(tmp_path, GOOD))
    with pytest.raises(ConfigError, match="declares: moh_files, moh_hr"):
        config.source("mof_gl")


def test_missing_config_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_sources(tmp_path / "nope.yaml")


def test_a_named_secret_must_be_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOH_HR_DB_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match="MOH_HR_DB_PASSWORD"):
        secret_from_env("MOH_HR_DB_PASSWORD", source="moh_hr")
    monkeypatch.setenv("MOH_HR_DB_PASSWORD", "x1")
    secret = secret_from_env("MOH_HR_DB_PASSWORD", source="moh_hr")
    assert secret is not None
    assert secret.get_secret_value() == "x1"


def test_a_yaml_bomb_is_refused_in_one_line_at_once(tmp_path: Path) -> None:
    """Nested aliases (a "billion laughs") would expand to gigabytes: refused before any is."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 12):
        previous, name = chr(ord("a") + level - 1), chr(ord("a") + level)
        lines.append(f"{name}: &{name} [" + ",".join(f"*{previous}" for _ in range(9)) + "]")
    path = _write(tmp_path, GOOD + "\n".join(lines) + "\n")
    started = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    assert time.monotonic() - started < 1.0
    message = str(caught.value)
    assert "aliases (*name) expand it to more than 100,000 values" in message
    assert "\n" not in message


def test_a_few_aliases_are_fine(tmp_path: Path) -> None:
    """A config written by yaml.dump may share a value through an anchor; that is no bomb."""
    text = GOOD.replace("control: {salary: BASIC_SAL}", "control: &totals {salary: BASIC_SAL}")
    text += "x-unused: *totals\n"
    with pytest.raises(ConfigError, match="x-unused: is not a known field"):
        load_sources(_write(tmp_path, text))  # read, aliases and all, up to the schema check


def test_a_deeply_nested_file_is_one_line(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD + "deep: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    assert "\n" not in str(caught.value)


def test_an_oversized_config_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD + "# padding\n" * 200_000)
    with pytest.raises(ConfigError, match="a config or mapping file may have at most"):
        load_sources(path)
