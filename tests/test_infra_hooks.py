"""The postprovision hook opens SQL and Key Vault for this machine only, and closes them.

With private networking (the default) SQL and Key Vault have no public endpoint, so a
hook run from a laptop turns each endpoint on behind a firewall that admits only the
laptop's address, and must leave both closed again whatever happens. `az` and
`sqlcmd` are stand-ins (tests/fake_azure_cli.py) that refuse callers as Azure does
and record every call and the resulting state.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.fake_azure_cli import CLIENT_IP

ROOT = Path(__file__).resolve().parents[1]
POSTPROVISION = ROOT / "infra" / "hooks" / "postprovision.sh"
FAKE = Path(__file__).with_name("fake_azure_cli.py")

IDENTITY_CLIENT_ID = "0b5d1c1e-7f55-4d6e-9a5c-3f2b8e1d4c7a"

PRIVATE = {
    "sql_public": False,
    "sql_rules": {},
    "vault_public": "Disabled",
    "vault_default_action": "Deny",
    "vault_ip_rules": [],
}
PUBLIC = {
    "sql_public": True,
    "sql_rules": {},  # AllowAllWindowsAzureIps does not admit a laptop
    "vault_public": "Enabled",
    "vault_default_action": "Allow",
    "vault_ip_rules": [],
}


def run_hook(tmp_path: Path, azure: dict[str, Any], **env: str) -> tuple[int, dict[str, Any]]:
    """Runs postprovision.sh against the fake; returns its exit code and the final state."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("az", "sqlcmd"):
        wrapper = bin_dir / tool
        wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKE}" {tool} "$@"\n')
        wrapper.chmod(0o755)
    state_file = tmp_path / "azure.json"
    state_file.write_text(json.dumps({**azure, "secrets": {}, "sql_scripts": [], "calls": []}))
    hook_env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "FAKE_AZURE_STATE": str(state_file),
        "AZURE_RESOURCE_GROUP": "rg-casai",
        "AZURE_KEY_VAULT_NAME": "kv-x",
        "AZURE_SQL_SERVER_NAME": "sql-x",
        "AZURE_SQL_SERVER_FQDN": "sql-x.database.windows.net",
        "AZURE_SQL_DATABASE_NAME": "sqldb-casai",
        "AZURE_MANAGED_IDENTITY_NAME": "id-api-x",
        "AZURE_MANAGED_IDENTITY_CLIENT_ID": IDENTITY_CLIENT_ID,
        "AZURE_FUNCTION_APP_NAME": "func-api-x",
        "SENDGRID_API_KEY": "SG.from-the-pipeline",
        **env,
    }
    done = subprocess.run(
        ["bash", str(POSTPROVISION)],
        env=hook_env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    state: dict[str, Any] = json.loads(state_file.read_text())
    if done.returncode != 0:
        state["stderr"] = done.stderr
    return done.returncode, state


def assert_closed(state: dict[str, Any], azure: dict[str, Any]) -> None:
    for key in ("sql_public", "sql_rules", "vault_public", "vault_default_action"):
        assert state[key] == azure[key], key
    assert state["vault_ip_rules"] == []


def tool_calls(state: dict[str, Any], *prefix: str) -> list[list[str]]:
    return [call for call in state["calls"] if call[: len(prefix)] == list(prefix)]


def test_private_networking_opens_for_this_machine_only_and_closes_again(
    tmp_path: Path,
) -> None:
    code, state = run_hook(tmp_path, PRIVATE)

    assert code == 0, state.get("stderr")
    # The work was done: three secrets, the identity's database user.
    assert state["secrets"]["sendgrid-api-key"] == "SG.from-the-pipeline"
    assert len(state["secrets"]["casai-secret-key"]) >= 64
    assert set(state["secrets"]) == {
        "casai-secret-key",
        "sendgrid-api-key",
        "intercom-secret",
        "intercom-access-token",
    }
    assert state["sql_scripts"] == [
        {
            "script": "grant-app-identity.sql",
            "variables": ["IdentityName=id-api-x", f"IdentityClientId={IDENTITY_CLIENT_ID}"],
        }
    ]
    # Only this machine's address was let through, on both services...
    rules = tool_calls(state, "az", "sql", "server", "firewall-rule", "create")
    assert len(rules) == 1
    assert rules[0].count(CLIENT_IP) == 2  # start and end of the range
    vault_rules = tool_calls(state, "az", "keyvault", "network-rule", "add")
    assert len(vault_rules) == 1
    assert f"{CLIENT_IP}/32" in vault_rules[0]
    opened = tool_calls(state, "az", "keyvault", "update")[0]
    assert opened[opened.index("--default-action") + 1] == "Deny"
    # ...and afterwards both are as private as before.
    assert_closed(state, PRIVATE)
    # The app was restarted once, after the secrets and its database user existed.
    assert state["restarts"] == ["func-api-x"]
    order = [" ".join(call[:4]) for call in state["calls"]]
    restart = order.index("az functionapp restart --name")
    assert restart > max(i for i, call in enumerate(order) if call == "az keyvault secret set")
    assert restart > max(i for i, call in enumerate(state["calls"]) if "-i" in call)


def test_a_failing_hook_still_closes_both_endpoints(tmp_path: Path) -> None:
    code, state = run_hook(tmp_path, PRIVATE, FAKE_SQL_FAIL="1")

    assert code != 0
    assert "the script failed" in state["stderr"]
    assert tool_calls(state, "az", "sql", "server", "update")  # it had opened SQL
    assert_closed(state, PRIVATE)


def test_inside_the_vnet_nothing_is_opened(tmp_path: Path) -> None:
    code, state = run_hook(tmp_path, PRIVATE, CASAI_HOOKS_IN_VNET="1", FAKE_IN_VNET="1")

    assert code == 0, state.get("stderr")
    assert state["sql_scripts"]
    assert tool_calls(state, "az", "sql", "server") == []
    vault_changes = [c for c in tool_calls(state, "az", "keyvault") if c[2] != "secret"]
    assert vault_changes == []
    assert_closed(state, PRIVATE)


def test_without_private_networking_only_a_temporary_sql_rule_is_added(
    tmp_path: Path,
) -> None:
    code, state = run_hook(tmp_path, PUBLIC, AZURE_PRIVATE_NETWORKING="false")

    assert code == 0, state.get("stderr")
    assert state["sql_scripts"]
    assert tool_calls(state, "az", "sql", "server", "update") == []
    assert tool_calls(state, "az", "keyvault", "update") == []
    assert len(tool_calls(state, "az", "sql", "server", "firewall-rule", "create")) == 1
    assert_closed(state, PUBLIC)


def run_preprovision(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(ROOT / "infra" / "hooks" / "preprovision.sh")],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_service_principal_without_an_admin_group_is_stopped() -> None:
    done = run_preprovision(AZURE_PRINCIPAL_TYPE="ServicePrincipal", AZURE_PRINCIPAL_ID="sp-object")
    assert done.returncode != 0
    assert "SQL_ADMIN_OBJECT_ID" in done.stderr


def test_a_service_principal_with_a_group_or_a_user_goes_ahead() -> None:
    group = run_preprovision(AZURE_PRINCIPAL_TYPE="ServicePrincipal", SQL_ADMIN_OBJECT_ID="g-1")
    assert group.returncode == 0, group.stderr
    user = run_preprovision(AZURE_PRINCIPAL_TYPE="User", AZURE_PRINCIPAL_ID="u-1")
    assert user.returncode == 0, user.stderr
