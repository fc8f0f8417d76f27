from pathlib import Path

import pytest

from consolidation.core.settings import Settings


def test_nested_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLIDATION_STORE__URL", "postgresql+psycopg://u@127.0.0.1/x")
    monkeypatch.setenv("CONSOLIDATION_STORE__PASSWORD", "s3cret-pass")
    monkeypatch.setenv("CONSOLIDATION_SOURCES__CHUNK_SIZE", "1234")
    monkeypatch.setenv("CONSOLIDATION_ODOO__PASSWORD", "odoo-pass")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.store.url == "postgresql+psycopg://u@127.0.0.1/x"
    assert settings.sources.chunk_size == 1234
    assert settings.store.password is not None
    assert settings.store.password.get_secret_value() == "s3cret-pass"
    shown = repr(settings) + str(settings.model_dump())
    assert "s3cret-pass" not in shown
    assert "odoo-pass" not in shown


def test_defaults_use_the_embedded_store(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CONSOLIDATION_STORE__URL", "CONSOLIDATION_STORE__RAW_DIR"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.store.url == "sqlite:///var/consolidation.db"
    assert settings.store.raw_dir == Path("var/raw")
