"""A stand-in for the `az` and `sqlcmd` commands the azd hooks call (infra/hooks/).

There is no Azure here, so tests/test_infra_hooks.py puts `az` and `sqlcmd`
wrappers on PATH that run this script. It models just what the hooks depend on:
the SQL server's and Key Vault's public endpoint switch, their firewalls, Key Vault
secrets, the T-SQL scripts run and Function App restarts. Every call and the resulting
state are kept in the JSON file named by FAKE_AZURE_STATE, for the test to read afterwards.

Both services refuse a caller the way Azure does, naming its address, which the
hooks read to open the firewall for this machine alone. FAKE_IN_VNET=1 stands for
a machine that reaches the private endpoints; FAKE_SQL_FAIL=1 makes T-SQL fail.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

CLIENT_IP = "203.0.113.7"


def _option(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


class RefusedError(Exception):
    """The service answered with an error, as Azure would."""


class FakeAzure:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.state: dict[str, Any] = json.loads(path.read_text())
        self.in_vnet = os.environ.get("FAKE_IN_VNET") == "1"

    def save(self) -> None:
        self.path.write_text(json.dumps(self.state, indent=2))

    # --- SQL ------------------------------------------------------------------------

    def check_sql_reachable(self) -> None:
        if self.in_vnet:
            return
        if not self.state["sql_public"]:
            raise RefusedError("Reason: Deny Public Network Access is set to Yes.")
        allowed = set(self.state["sql_rules"].values())
        if CLIENT_IP not in allowed:
            raise RefusedError(
                f"Cannot open server 'sql-x' requested by the login. Client with IP address "
                f"'{CLIENT_IP}' is not allowed to access the server."
            )

    def sqlcmd(self, args: list[str]) -> str:
        if "--help" in args:
            return "  --authentication-method string   e.g. ActiveDirectoryDefault\n"
        self.check_sql_reachable()
        if "-i" in args:
            if os.environ.get("FAKE_SQL_FAIL") == "1":
                raise RefusedError("Msg 50001, Level 16: the script failed")
            variables = [args[i + 1] for i, arg in enumerate(args) if arg == "-v"]
            self.state["sql_scripts"].append(
                {"script": Path(_option(args, "-i")).name, "variables": variables}
            )
        return ""

    def sql_server(self, args: list[str]) -> str:
        if args[:1] == ["update"]:
            self.state["sql_public"] = _option(args, "--enable-public-network") == "true"
        elif args[:2] == ["firewall-rule", "create"]:
            start = _option(args, "--start-ip-address")
            assert start == _option(args, "--end-ip-address"), "one address, not a range"
            self.state["sql_rules"][_option(args, "--name")] = start
        elif args[:2] == ["firewall-rule", "delete"]:
            del self.state["sql_rules"][_option(args, "--name")]
        else:
            raise AssertionError(f"unexpected: az sql server {args}")
        return ""

    # --- Key Vault ------------------------------------------------------------------

    def check_vault_reachable(self) -> None:
        if self.in_vnet:
            return
        if self.state["vault_public"] != "Enabled":
            raise RefusedError(
                "(ForbiddenByConnection) Public network access is disabled and request is "
                "not from a trusted service nor via an approved private link."
            )
        if self.state["vault_default_action"] == "Deny" and (
            f"{CLIENT_IP}/32" not in self.state["vault_ip_rules"]
        ):
            raise RefusedError(
                "(Forbidden) Client address is not authorized and caller is not a trusted "
                f"service.\nClient address: {CLIENT_IP}\nCaller: appid=04b07795;oid=1"
            )

    def keyvault(self, args: list[str]) -> str:
        if args[:1] == ["update"]:
            if "--public-network-access" in args:
                self.state["vault_public"] = _option(args, "--public-network-access")
            if "--default-action" in args:
                self.state["vault_default_action"] = _option(args, "--default-action")
            return ""
        if args[:2] == ["network-rule", "add"]:
            self.state["vault_ip_rules"].append(_option(args, "--ip-address"))
            return ""
        if args[:2] == ["network-rule", "remove"]:
            self.state["vault_ip_rules"].remove(_option(args, "--ip-address"))
            return ""
        self.check_vault_reachable()
        if args[:2] == ["secret", "list"]:
            names: list[str] = sorted(self.state["secrets"])
            return "" if _option(args, "--output") == "none" else "".join(f"{n}\n" for n in names)
        if args[:2] == ["secret", "set"]:
            value = Path(_option(args, "--file")).read_text(encoding="utf-8")
            self.state["secrets"][_option(args, "--name")] = value
            return ""
        raise AssertionError(f"unexpected: az keyvault {args}")

    def az(self, args: list[str]) -> str:
        if args[:2] == ["functionapp", "restart"]:
            self.state.setdefault("restarts", []).append(_option(args, "--name"))
            return ""
        if args[:2] == ["sql", "server"]:
            return self.sql_server(args[2:])
        if args[:1] == ["keyvault"]:
            return self.keyvault(args[1:])
        raise AssertionError(f"unexpected: az {args}")


def main() -> int:
    tool, args = sys.argv[1], sys.argv[2:]
    fake = FakeAzure(Path(os.environ["FAKE_AZURE_STATE"]))
    fake.state["calls"].append([tool, *args])
    try:
        output = fake.sqlcmd(args) if tool == "sqlcmd" else fake.az(args)
    except RefusedError as refusal:
        fake.save()
        print(f"ERROR: {refusal}", file=sys.stderr)
        return 1
    fake.save()
    sys.stdout.write(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
