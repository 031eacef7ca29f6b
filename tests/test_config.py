"""Settings: local defaults work; production refuses them, naming each setting."""

from __future__ import annotations

import os
import subprocess
import sys
import types

import pytest

from shared import config
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


class FakeVault:
    """Key Vault's SecretClient as shared.config uses it: get_secret(name).value."""

    def __init__(self, secrets: dict[str, str]) -> None:
        self.secrets = secrets
        self.read: list[str] = []

    def get_secret(self, name: str) -> types.SimpleNamespace:
        self.read.append(name)
        if name not in self.secrets:
            raise LookupError(f"SecretNotFound: {name}")  # the SDK's ResourceNotFoundError
        return types.SimpleNamespace(value=self.secrets[name])


VAULT_URL = "https://kv-casai.vault.azure.net/"
# What infra/hooks/postprovision.sh writes (real values or placeholders).
VAULT_SECRETS = {
    "casai-secret-key": "v" * 86,
    "sendgrid-api-key": "SG.from-the-vault",
    "intercom-secret": "i" * 40,
    "intercom-access-token": "t" * 40,
}
IDENTITY = "0b5d1c1e-7f55-4d6e-9a5c-3f2b8e1d4c7a"


def production_without_secrets(monkeypatch: pytest.MonkeyPatch, vault: FakeVault) -> list[str]:
    """The deployed settings: no secret values, the vault's address; who was asked."""
    for name in [n for n in os.environ if n.startswith("CASAI_")]:
        monkeypatch.delenv(name)
    for name, value in PRODUCTION.items():
        if name not in ("CASAI_SECRET_KEY", "CASAI_SENDGRID_API_KEY"):
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("CASAI_KEY_VAULT_URL", VAULT_URL)
    monkeypatch.setenv("CASAI_MANAGED_IDENTITY_CLIENT_ID", IDENTITY)
    clients: list[str] = []

    def secret_client(url: str, client_id: str) -> FakeVault:
        clients.append(f"{url} as {client_id}")
        return vault

    monkeypatch.setattr(config, "secret_client", secret_client)
    return clients


def test_production_reads_its_secrets_from_key_vault(monkeypatch: pytest.MonkeyPatch) -> None:
    vault = FakeVault(VAULT_SECRETS)
    clients = production_without_secrets(monkeypatch, vault)

    settings = load_settings()

    assert settings.secret_key.get_secret_value() == "v" * 86
    assert settings.sendgrid_api_key.get_secret_value() == "SG.from-the-vault"
    assert clients == [f"{VAULT_URL} as {IDENTITY}"]  # with the app's identity, once
    assert sorted(vault.read) == sorted(config.KEY_VAULT_SECRETS.values())


def test_the_environment_wins_over_the_vault(monkeypatch: pytest.MonkeyPatch) -> None:
    vault = FakeVault(VAULT_SECRETS)
    production_without_secrets(monkeypatch, vault)
    monkeypatch.setenv("CASAI_SENDGRID_API_KEY", "SG.overridden")

    settings = load_settings()

    assert settings.sendgrid_api_key.get_secret_value() == "SG.overridden"
    assert "sendgrid-api-key" not in vault.read
    assert "casai-secret-key" in vault.read


def test_a_missing_secret_stops_the_app_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    production_without_secrets(monkeypatch, FakeVault({"casai-secret-key": "v" * 86}))

    with pytest.raises(SettingsError, match=r"CASAI_KEY_VAULT_URL.*'sendgrid-api-key'"):
        load_settings()


def test_without_a_vault_nothing_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_vault(*_args: str) -> FakeVault:
        raise AssertionError("no vault is configured")

    monkeypatch.setattr(config, "secret_client", no_vault)
    assert Settings().secret_key.get_secret_value()  # the local default


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
