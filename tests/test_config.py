"""Settings: local defaults work; production refuses them, naming each setting."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from shared.config import Settings, SettingsError, load_settings
from tests.conftest import REPO

PRODUCTION = {
    "CASAI_ENVIRONMENT": "production",
    "CASAI_DATABASE_URL": "mssql+pyodbc://@casai.database.windows.net/casai",
    "CASAI_STORAGE_BLOB_URL": "https://casai.blob.core.windows.net",
    "CASAI_STORAGE_TABLE_URL": "https://casai.table.core.windows.net",
    "CASAI_SECRET_KEY": "k" * 48,
    "CASAI_EMAIL_BACKEND": "sendgrid",
    "CASAI_SENDGRID_API_KEY": "SG.x",
    "CASAI_PUBLIC_BASE_URL": "https://casai.example",
    "CASAI_SUPPORT_EMAIL": "support@casai.example",
}


def clean_env(**values: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("CASAI_")}
    env.update(values)
    return env


def test_local_defaults() -> None:
    settings = Settings()
    assert settings.sqlalchemy_url.endswith("casai.db")
    assert settings.email_backend == "outbox"
    assert settings.max_body_bytes == 1024 * 1024


def test_production_refuses_local_defaults_naming_each_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [n for n in os.environ if n.startswith("CASAI_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CASAI_ENVIRONMENT", "production")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    for name in (
        "CASAI_DATABASE_URL",
        "CASAI_STORAGE_BLOB_URL",
        "CASAI_SECRET_KEY",
        "CASAI_SENDGRID_API_KEY",
        "CASAI_PUBLIC_BASE_URL",
        "CASAI_SUPPORT_EMAIL",
    ):
        assert name in message


def test_a_complete_production_configuration_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    assert load_settings().environment == "production"


def test_an_unresolved_key_vault_reference_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv(
        "CASAI_SECRET_KEY", "@Microsoft.KeyVault(VaultName=kv-casai;SecretName=casai-secret-key)"
    )
    with pytest.raises(SettingsError, match="CASAI_SECRET_KEY: the Key Vault reference"):
        load_settings()


def test_a_wrong_value_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASAI_MAX_BODY_BYTES", "lots")
    with pytest.raises(SettingsError, match="CASAI_MAX_BODY_BYTES"):
        load_settings()


def test_the_app_stops_at_start_on_a_bad_setting() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import function_app"],
        cwd=REPO,
        env=clean_env(CASAI_ENVIRONMENT="production"),
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SettingsError" in result.stderr
    assert "CASAI_DATABASE_URL" in result.stderr


def test_intercom_in_production_needs_its_secret_token_and_ticket_type(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CASAI_INTERCOM_APP_ID", "abc123")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    for name in (
        "CASAI_INTERCOM_SECRET",
        "CASAI_INTERCOM_ACCESS_TOKEN",
        "CASAI_INTERCOM_TICKET_TYPE_ID",
    ):
        assert name in str(raised.value)
    monkeypatch.setenv("CASAI_INTERCOM_SECRET", "s" * 40)
    monkeypatch.setenv("CASAI_INTERCOM_ACCESS_TOKEN", "t" * 40)
    monkeypatch.setenv("CASAI_INTERCOM_TICKET_TYPE_ID", "7")
    assert load_settings().intercom_forwarding


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CASAI_SUPPORT_HOURS", "7.30-16.30"),
        ("CASAI_SUPPORT_HOURS", "16:30-07:30"),
        ("CASAI_SUPPORT_TIMEZONE", "Europe/Nowhere"),
        ("CASAI_RETENTION_DAYS", "0"),
    ],
)
def test_unreadable_support_settings_are_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        load_settings()
