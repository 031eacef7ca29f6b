"""`make rehearse`: what `azd up` runs, run here without Azure, then what is left to confirm.

    python infra/rehearse.py            every step, in order; exits 1 if one fails
    python infra/rehearse.py app        only the app's start (what the tests run)

1. infra: the Bicep parses, every module resolves, checkov passes (`make infra-checks`).
2. hooks: pre- and postprovision against stand-in `az` and `sqlcmd`
   (tests/test_infra_hooks.py, as `make test` runs them).
3. migrations: `alembic upgrade head` rendered as T-SQL for SQL Server.
4. app: the Functions app loaded with the settings it is deployed with
   (CASAI_ENVIRONMENT=production, managed-identity storage and Key Vault, a stand-in
   credential and vault), asked `GET /api/health`: its first Azure SQL connection,
   through the real ODBC driver, must fail for want of a server (login timeout or
   refusal), never because the driver refused how the app connects.
5. The first-deployment checklist of infra/README.md, printed.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "infra" / "README.md"
CHECKLIST_HEADING = "## First deployment: what to confirm"
# The driver's answers when it tried to log in: a login timeout, or the TCP refusal.
LOGIN_ATTEMPTED = {"HYT00", "08001"}


@dataclass(frozen=True)
class Outcome:
    ok: bool
    detail: str


def free_port() -> int:
    """A loopback port nothing listens on (bound and released at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def deployed_environment(sql_port: int, storage_port: int) -> dict[str, str]:
    """The app settings functionapp.bicep deploys, aimed at loopback ports nobody serves."""
    return {
        "CASAI_ENVIRONMENT": "production",
        "CASAI_DATABASE_URL": (
            f"mssql+pyodbc://@127.0.0.1:{sql_port}/sqldb-casai"
            "?driver=ODBC+Driver+18+for+SQL+Server&Encrypt=yes"
        ),
        "CASAI_STORAGE_BLOB_URL": f"https://127.0.0.1:{storage_port}/",
        "CASAI_STORAGE_TABLE_URL": f"https://127.0.0.1:{storage_port}/",
        "CASAI_MANAGED_IDENTITY_CLIENT_ID": "00000000-0000-0000-0000-000000000001",
        "CASAI_FILES_CONTAINER": "project-files",
        "CASAI_FILES_MAX_BYTES": "209715200",
        "CASAI_REVISIONS_CONTAINER": "schedule-revisions",
        "CASAI_AUDIT_TABLE": "auditevents",
        "CASAI_KEY_VAULT_URL": "https://kv-rehearsal.vault.azure.net/",
        "CASAI_EMAIL_BACKEND": "sendgrid",
        "CASAI_EMAIL_FROM": "CASAI <no-reply@rehearsal.example>",
        "CASAI_PUBLIC_BASE_URL": "https://stapp-rehearsal.azurestaticapps.net",
        "CASAI_LOG_LEVEL": "INFO",
        "CASAI_SESSION_IDLE_MINUTES": "60",
        "CASAI_SESSION_ABSOLUTE_HOURS": "12",
        "CASAI_TRUST_FORWARDED_FOR": "true",
        "CASAI_FORWARDED_FOR_PROXIES": "1",
        "CASAI_DATABASE_TIMEOUT_SECONDS": "30",
        "CASAI_INTERCOM_APP_ID": "",  # the main.bicep default: no chat, tickets by e-mail
        "CASAI_INTERCOM_TICKET_TYPE_ID": "",
        "CASAI_INTERCOM_API_BASE_URL": "https://api.intercom.io",
        "CASAI_SUPPORT_EMAIL": "support@rehearsal.example",
        "CASAI_SUPPORT_HOURS": "07:30-16:30",
        "CASAI_SUPPORT_TIMEZONE": "Europe/Stockholm",
        "CASAI_RETENTION_DAYS": "365",
    }


class StandInCredential:
    """The managed identity's credential: any scope gets a token no server will check."""

    def get_token(self, *scopes: str, **_options: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken("rehearsal-token-" + "-".join(scopes), 4102444800)


class StandInVault:
    """Key Vault as the postprovision hook leaves it."""

    def get_secret(self, name: str) -> Any:
        from types import SimpleNamespace

        return SimpleNamespace(value=f"rehearsal-{name}-" + "x" * 64)


class _Failures(logging.Handler):
    """Keeps the exceptions the health check logs (it answers 503 and says no more)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors: list[BaseException] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.errors.append(record.exc_info[1])


def classify_sql_failure(error: BaseException) -> Outcome:
    """Whether an Azure SQL connection failure came from the login attempt itself."""
    driver_error = getattr(error, "orig", None) or error
    args: tuple[Any, ...] = tuple(getattr(driver_error, "args", ()))
    sqlstate = str(args[0]) if args else ""
    message = str(args[1]) if len(args) > 1 else str(driver_error)
    if sqlstate in LOGIN_ATTEMPTED and "FA005" not in message:
        return Outcome(True, f"the driver tried to log in: {message}")
    return Outcome(False, f"refused before any login: {type(driver_error).__name__}: {message}")


def rehearse_app() -> Outcome:
    """Load the app as deployed and let its health check make the first SQL connection."""
    from infra import odbc_driver

    odbc_driver.use_registration()
    try:
        import pyodbc
    except ImportError as exc:
        return Outcome(False, f"unixODBC is missing ({exc}): run `make odbc-driver`")
    if odbc_driver.DRIVER_NAME not in pyodbc.drivers():
        return Outcome(False, f"{odbc_driver.DRIVER_NAME} is not registered: `make odbc-driver`")

    os.environ.update(deployed_environment(free_port(), free_port()))
    from shared import config, identity

    # In place of the managed identity and the vault it reads (nothing here reaches Azure).
    setattr(identity, "identity_credential", lambda _client_id: StandInCredential())  # noqa: B010
    setattr(config, "secret_client", lambda _url, _client_id: StandInVault())  # noqa: B010
    settings = config.get_settings()  # the production checks; raises naming a bad setting

    import azure.functions as func

    import function_app

    functions = function_app.app.get_functions()  # what the host indexes; once per app
    health = next(f for f in functions if f.get_function_name() == "health")
    failures = _Failures()
    logging.getLogger("casai.health").addHandler(failures)
    request = func.HttpRequest("GET", "https://rehearsal.example/api/health", body=b"")
    response = health.get_user_function()(request)
    sql_errors = [e for e in failures.errors if "pyodbc" in type(getattr(e, "orig", e)).__module__]
    if response.status_code != 503 or not sql_errors:
        return Outcome(False, f"health answered {response.status_code} without a SQL attempt")
    outcome = classify_sql_failure(sql_errors[0])
    started = f"{len(functions)} functions loaded as {settings.environment}"
    return Outcome(outcome.ok, f"{started}; health answered 503; {outcome.detail}")


def first_deployment_checklist() -> str:
    """The section of infra/README.md that lists what only a real deployment shows."""
    text = README.read_text(encoding="utf-8")
    start = text.index(CHECKLIST_HEADING)
    end = text.find("\n## ", start + len(CHECKLIST_HEADING))
    return text[start : end if end != -1 else len(text)].strip()


def _run(title: str, command: list[str], output: Path | None = None) -> bool:
    """One step, its output on the terminal or (long T-SQL) in `output`."""
    print(f"\n==> {title}: {' '.join(command)}", flush=True)
    if output is None:
        return subprocess.run(command, cwd=ROOT, check=False).returncode == 0  # noqa: S603 (the fixed steps above)
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8") as written:
        done = subprocess.run(command, cwd=ROOT, stdout=written, check=False)  # noqa: S603
    batches = output.read_text(encoding="utf-8").count("\nGO\n")
    print(f"{batches} T-SQL batches in {output.relative_to(ROOT)}")
    return done.returncode == 0


def main(argv: list[str]) -> int:
    if argv == ["app"]:
        outcome = rehearse_app()
        print(("ok: " if outcome.ok else "FAILED: ") + outcome.detail)
        return 0 if outcome.ok else 1
    if argv:
        sys.exit(__doc__)
    python = sys.executable
    steps = {
        "infra (Bicep, modules, checkov)": ["make", "--no-print-directory", "infra-checks"],
        "hooks against stand-in az and sqlcmd": [
            *(python, "-m", "pytest", "-q", "-p", "no:cacheprovider"),
            "tests/test_infra_hooks.py",
        ],
        "migrations rendered for SQL Server": [
            *(python, "-m", "alembic", "-x", "dialect=mssql", "upgrade", "head", "--sql"),
        ],
        "the app as deployed, up to its first Azure SQL login": [python, __file__, "app"],
    }
    migrations_sql = ROOT / ".data" / "rehearsal" / "migrations-mssql.sql"
    results = {
        title: _run(title, command, migrations_sql if "migrations" in title else None)
        for title, command in steps.items()
    }
    print("\n==> Rehearsal")
    for title, passed in results.items():
        print(f"  {'ok    ' if passed else 'FAILED'}  {title}")
    print(f"\n{first_deployment_checklist()}")
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # run as a script: the app's packages are at the root
    sys.exit(main(sys.argv[1:]))
