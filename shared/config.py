"""Typed settings, read once from `CASAI_*` environment variables (app settings).

Every setting has a safe local default so `make run` works with no configuration.
With `CASAI_ENVIRONMENT=production` the local conveniences are refused: a missing
or unsafe value stops the app at start with a message naming the setting.
"""

from __future__ import annotations

import functools
import re
from datetime import time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

# Azurite's well-known development account; never valid outside a laptop.
DEVELOPMENT_STORAGE = "UseDevelopmentStorage=true"
LOCAL_SECRET_KEY = "casai-local-development-key-not-for-production"  # noqa: S105 (refused in production)
# Settings read from Key Vault (CASAI_KEY_VAULT_URL) when the environment does not set
# them: field -> secret name (infra/hooks/postprovision.sh writes each).
KEY_VAULT_SECRETS = {
    "secret_key": "casai-secret-key",
    "sendgrid_api_key": "sendgrid-api-key",
    "intercom_secret": "intercom-secret",
    "intercom_access_token": "intercom-access-token",
}
# Reading them at start must not hang a cold start (shared.storage uses the same bounds).
KEY_VAULT_CLIENT_OPTIONS: dict[str, Any] = {"connection_timeout": 5, "read_timeout": 20}
LOCAL_SUPPORT_EMAIL = "support@casai.localhost"
_HOURS = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])$")


class SettingsError(RuntimeError):
    """A setting is missing or unsafe; the message names it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CASAI_", extra="ignore", frozen=True)

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path(".data")
    database_url: str = ""  # empty: SQLite at {data_dir}/casai.db
    # Storage: a connection string (Azurite, development) or account URLs reached
    # with the managed identity (production).
    storage_connection_string: str = DEVELOPMENT_STORAGE
    storage_blob_url: str = ""
    storage_table_url: str = ""
    managed_identity_client_id: str = ""
    # Production: the vault the secrets are read from at start (KEY_VAULT_SECRETS).
    key_vault_url: str = ""
    files_container: str = "project-files"
    # The largest project file accepted at upload and checked again at complete.
    files_max_bytes: int = Field(default=200 * 1024 * 1024, gt=0)
    revisions_container: str = "schedule-revisions"
    audit_table: str = "auditevents"
    email_backend: Literal["outbox", "sendgrid"] = "outbox"
    email_from: str = "CASAI <no-reply@casai.localhost>"
    sendgrid_api_key: SecretStr = SecretStr("")
    sendgrid_api_host: str = "https://api.sendgrid.com"
    secret_key: SecretStr = SecretStr(LOCAL_SECRET_KEY)
    public_base_url: str = "http://127.0.0.1:7071"
    max_body_bytes: int = Field(default=1024 * 1024, gt=0)
    # The longest a database statement may run (lock waits included), well below
    # host.json's functionTimeout (2 min), so a stuck database answers 503 in time.
    database_timeout_seconds: int = Field(default=30, gt=0, le=90)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Sessions (DESIGN.md §4).
    session_idle_minutes: int = Field(default=60, gt=0)
    session_absolute_hours: int = Field(default=12, gt=0)
    # The client IP comes from X-Forwarded-For only when the front end that sets it is
    # trusted (Azure's, or the dev host); otherwise per-IP limits are not applied.
    trust_forwarded_for: bool = False
    # How many proxies of ours append to X-Forwarded-For after the client's address
    # (shared.forwarded): 1 behind the Static Web App's linked backend.
    forwarded_for_proxies: int = Field(default=0, ge=0, le=4)
    # Support (DESIGN.md §6). The Intercom Messenger is on when an app id is set; the
    # identity-verification secret signs signed-in users' ids (it never leaves the
    # server). Tickets go to Intercom's REST API (access token, ticket type) when the
    # app id is set, else by e-mail to the support address.
    intercom_app_id: str = ""
    intercom_secret: SecretStr = SecretStr("")
    intercom_access_token: SecretStr = SecretStr("")
    intercom_ticket_type_id: str = ""
    intercom_api_base_url: str = "https://api.intercom.io"
    support_email: str = LOCAL_SUPPORT_EMAIL
    # Staffed hours, local time in support_timezone, on weekdays that are not Swedish
    # public holidays (or days treated as such).
    support_hours: str = "07:30-16:30"
    support_timezone: str = "Europe/Stockholm"
    # Audit events and closed tickets older than this are deleted (a daily timer).
    retention_days: int = Field(default=365, gt=0)
    # Tests only: a file holding a clock offset in seconds (see shared.clock).
    test_clock_file: Path | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The vault after the environment: what the environment sets wins (tests, overrides).
        vault = KeyVaultSecrets(settings_cls)
        return init_settings, env_settings, vault, dotenv_settings, file_secret_settings

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'casai.db'}"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def support_opening(self) -> tuple[time, time]:
        """(opens, closes) of a staffed day, local time."""
        match = _HOURS.match(self.support_hours)
        assert match is not None  # checked at start
        hours = [int(part) for part in match.groups()]
        return time(hours[0], hours[1]), time(hours[2], hours[3])

    @property
    def support_zone(self) -> ZoneInfo:
        return ZoneInfo(self.support_timezone)

    @property
    def intercom_forwarding(self) -> bool:
        """Whether tickets go to Intercom's REST API (else to the support address)."""
        return bool(
            self.intercom_app_id
            and self.intercom_access_token.get_secret_value()
            and self.intercom_ticket_type_id
        )

    def _raw_values(self) -> dict[str, str]:
        return {
            name: value.get_secret_value() if isinstance(value, SecretStr) else str(value)
            for name, value in self
        }

    @model_validator(mode="after")
    def _support_hours_are_readable(self) -> Settings:
        match = _HOURS.match(self.support_hours)
        if match is None:
            raise ValueError("CASAI_SUPPORT_HOURS must read HH:MM-HH:MM, e.g. 07:30-16:30")
        opens, closes = match.group(1, 2), match.group(3, 4)
        if opens >= closes:
            raise ValueError("CASAI_SUPPORT_HOURS must open before it closes")
        try:
            ZoneInfo(self.support_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("CASAI_SUPPORT_TIMEZONE must name an IANA time zone") from None
        return self

    @model_validator(mode="after")
    def _refuse_local_defaults_in_production(self) -> Settings:
        if self.test_clock_file is not None and self.environment != "test":
            raise ValueError("CASAI_TEST_CLOCK_FILE is only for CASAI_ENVIRONMENT=test")
        if self.environment != "production":
            return self
        problems = []
        if not self.database_url or self.database_url.startswith("sqlite"):
            problems.append("CASAI_DATABASE_URL must name the Azure SQL database")
        if not (self.storage_blob_url and self.storage_table_url) and (
            self.storage_connection_string == DEVELOPMENT_STORAGE
        ):
            problems.append(
                "CASAI_STORAGE_BLOB_URL and CASAI_STORAGE_TABLE_URL must name the storage account"
            )
        # App Service passes a Key Vault reference through literally when it cannot resolve it.
        unresolved = [
            f"CASAI_{name.upper()}"
            for name, value in self._raw_values().items()
            if value.startswith("@Microsoft.KeyVault(")
        ]
        if unresolved:
            problems.append(f"{', '.join(unresolved)}: the Key Vault reference did not resolve")
        secret = self.secret_key.get_secret_value()
        if secret == LOCAL_SECRET_KEY or len(secret) < 32:
            problems.append("CASAI_SECRET_KEY must be a random value of at least 32 characters")
        if self.email_backend != "sendgrid" or not self.sendgrid_api_key.get_secret_value():
            problems.append("CASAI_EMAIL_BACKEND must be sendgrid with CASAI_SENDGRID_API_KEY set")
        if not self.public_base_url.startswith("https://"):
            problems.append("CASAI_PUBLIC_BASE_URL must be an https:// address")
        if not self.support_email or self.support_email.endswith(".localhost"):
            problems.append("CASAI_SUPPORT_EMAIL must be the support team's address")
        if self.intercom_app_id:
            # The Messenger without its secret would let anyone pose as any user in the chat.
            for name, value in (
                ("CASAI_INTERCOM_SECRET", self.intercom_secret.get_secret_value()),
                ("CASAI_INTERCOM_ACCESS_TOKEN", self.intercom_access_token.get_secret_value()),
                ("CASAI_INTERCOM_TICKET_TYPE_ID", self.intercom_ticket_type_id),
            ):
                if not value:
                    problems.append(f"{name} must be set when CASAI_INTERCOM_APP_ID is")
            if not self.intercom_api_base_url.startswith("https://"):
                problems.append("CASAI_INTERCOM_API_BASE_URL must be an https:// address")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class KeyVaultSecrets(PydanticBaseSettingsSource):
    """The secrets of KEY_VAULT_SECRETS that no earlier source set, read from the vault
    named by CASAI_KEY_VAULT_URL with the app's identity (nothing when it is unset)."""

    def __call__(self) -> dict[str, Any]:
        found = self.current_state
        vault_url = str(found.get("key_vault_url") or "")
        wanted = {field: name for field, name in KEY_VAULT_SECRETS.items() if not found.get(field)}
        if not vault_url or not wanted:
            return {}
        client = secret_client(vault_url, str(found.get("managed_identity_client_id") or ""))
        values = {}
        for field, name in wanted.items():
            try:
                values[field] = client.get_secret(name).value
            except Exception as exc:  # the SDK raises per cause; each means the same here
                raise SettingsError(
                    f"Invalid settings: CASAI_KEY_VAULT_URL: cannot read secret {name!r} "
                    f"({type(exc).__name__})"
                ) from None
        return values

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # __call__ reads all the secrets at once


def secret_client(vault_url: str, managed_identity_client_id: str) -> Any:
    """A Key Vault client signed in as the app's identity (the SDK is heavy: imported here)."""
    from azure.keyvault.secrets import SecretClient

    from shared.identity import identity_credential

    return SecretClient(
        vault_url, identity_credential(managed_identity_client_id), **KEY_VAULT_CLIENT_OPTIONS
    )


def load_settings() -> Settings:
    """Read the environment now; raise SettingsError naming every bad setting."""
    try:
        return Settings()
    except ValidationError as exc:
        names = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"])
            prefix = f"CASAI_{field.upper()}: " if field else ""
            names.append(prefix + error["msg"].removeprefix("Value error, "))
        raise SettingsError("Invalid settings: " + "; ".join(names)) from None


@functools.cache
def get_settings() -> Settings:
    """The settings of this process, read once (tests start a new process instead)."""
    return load_settings()
