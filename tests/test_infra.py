"""The deployment (infra/) gives the app every setting it needs in production.

The Function App's app settings are read from infra/modules/functionapp.bicep
(the `appSettings` array of the site) and compared with `shared.config.Settings`:
a field added to Settings fails here until the Bicep provides it.
(`make infra-checks` parses the Bicep and runs checkov; this file needs neither.)
"""

from __future__ import annotations

import json
import os
import re
import types
from pathlib import Path

import pytest
from pydantic import SecretStr

from shared import config
from shared.config import KEY_VAULT_SECRETS, Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
INFRA = ROOT / "infra"
FUNCTION_APP_BICEP = INFRA / "modules" / "functionapp.bicep"
MAIN_BICEP = INFRA / "main.bicep"
POSTPROVISION_HOOK = INFRA / "hooks" / "postprovision.sh"

# Settings fields that production does not set, each for a reason. Keep this short:
# anything else in Settings must be an app setting in the Bicep.
NOT_SET_IN_PRODUCTION = {
    # Local SQLite and outbox files; production has CASAI_DATABASE_URL and SendGrid.
    "data_dir",
    # Azurite's connection string; production uses the account URLs with the identity.
    "storage_connection_string",
    # Lets tests point SendGrid at a fake server; production uses SendGrid's default.
    "sendgrid_api_host",
    # Has a safe default (1 MiB); the deployment keeps it.
    "max_body_bytes",
    # Tests only: the app refuses it unless CASAI_ENVIRONMENT=test.
    "test_clock_file",
}

# App settings the deployment provides ahead of the Settings fields that will read
# them: none now (the Intercom settings have theirs, DESIGN.md §6).
AHEAD_OF_SETTINGS: set[str] = set()

# Key Vault secrets the hook writes ahead of the field that will read them: none now.
SECRETS_AHEAD_OF_SETTINGS: set[str] = set()


def _strip_comments(text: str) -> str:
    """Bicep source without // comments (a commented-out setting is a missing one)."""
    kept = []
    for line in text.splitlines():
        in_string = False
        cut = len(line)
        for i, ch in enumerate(line):
            if ch == "'":
                in_string = not in_string
            elif not in_string and line.startswith("//", i):
                cut = i
                break
        kept.append(line[:cut])
    return "\n".join(kept)


def _bracketed(text: str, start: int) -> str:
    """The text from the bracket at `start` to its matching closing bracket."""
    pairs = {"[": "]", "{": "}"}
    opening = text[start]
    closing = pairs[opening]
    depth = 0
    in_string = False
    for i in range(start, len(text)):
        ch = text[i]
        if ch == "'":
            in_string = not in_string
        elif not in_string and ch == opening:
            depth += 1
        elif not in_string and ch == closing:
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
    raise AssertionError(f"unbalanced {opening!r} at offset {start}")


def _top_level_objects(array_text: str) -> list[str]:
    """The `{...}` elements of a Bicep array literal (nested objects stay inside)."""
    objects = []
    depth = 0
    in_string = False
    start = 0
    for i, ch in enumerate(array_text):
        if ch == "'":
            in_string = not in_string
        elif in_string:
            continue
        elif ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                objects.append(array_text[start : i + 1])
    return objects


def app_settings(bicep_text: str) -> dict[str, str]:
    """name -> value expression of every entry of the site's siteConfig.appSettings."""
    text = _strip_comments(bicep_text)
    site = re.search(r"resource\s+\w+\s+'Microsoft\.Web/sites@[^']+'\s*=\s*\{", text)
    assert site, "functionapp.bicep declares no Microsoft.Web/sites resource"
    site_body = _bracketed(text, site.end() - 1)
    array = re.search(r"\bappSettings\s*:\s*\[", site_body)
    assert array, "the Function App has no siteConfig.appSettings array"
    entries = _bracketed(site_body, array.end() - 1)
    settings: dict[str, str] = {}
    for entry in _top_level_objects(entries):
        name = re.search(r"\bname\s*:\s*'([^']+)'", entry)
        value = re.search(r"\bvalue\s*:\s*(.+)", entry)
        if name and value:
            settings[name.group(1)] = value.group(1).strip()
    return settings


def bicep_variable(bicep_text: str, name: str) -> str:
    match = re.search(rf"^var\s+{name}\s*=\s*'(.*)'\s*$", bicep_text, re.MULTILINE)
    assert match, f"no string variable {name!r}"
    return match.group(1)


def required_in_production() -> set[str]:
    """Every field but the local conveniences and the secrets, which the app reads from
    Key Vault itself (shared.config.KEY_VAULT_SECRETS)."""
    return {
        f"CASAI_{field.upper()}"
        for field in Settings.model_fields
        if field not in NOT_SET_IN_PRODUCTION and field not in KEY_VAULT_SECRETS
    }


def missing_settings(bicep_text: str) -> set[str]:
    return required_in_production() - set(app_settings(bicep_text))


@pytest.fixture(scope="module")
def function_app_bicep() -> str:
    return FUNCTION_APP_BICEP.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def settings_in_bicep(function_app_bicep: str) -> dict[str, str]:
    return app_settings(function_app_bicep)


def test_every_production_setting_is_an_app_setting(function_app_bicep: str) -> None:
    missing = missing_settings(function_app_bicep)
    assert not missing, (
        "Settings fields the deployment does not provide (add them to the appSettings of "
        f"infra/modules/functionapp.bicep, or explain in NOT_SET_IN_PRODUCTION): {sorted(missing)}"
    )


def test_exclusions_name_real_fields() -> None:
    unknown = NOT_SET_IN_PRODUCTION - set(Settings.model_fields)
    assert not unknown, f"NOT_SET_IN_PRODUCTION names fields Settings no longer has: {unknown}"


def test_the_parity_check_notices_a_removed_setting(function_app_bicep: str) -> None:
    # Commenting out one entry must be reported as exactly that missing setting.
    without_log_level = re.sub(
        r"(?m)^(\s*)(name: 'CASAI_LOG_LEVEL')", r"\1// \2", function_app_bicep, count=1
    )
    assert without_log_level != function_app_bicep
    newly_missing = missing_settings(without_log_level) - missing_settings(function_app_bicep)
    assert newly_missing == {"CASAI_LOG_LEVEL"}


def test_no_unknown_casai_settings(settings_in_bicep: dict[str, str]) -> None:
    known = {f"CASAI_{field.upper()}" for field in Settings.model_fields} | AHEAD_OF_SETTINGS
    unknown = {name for name in settings_in_bicep if name.startswith("CASAI_")} - known
    assert not unknown, f"app settings that no Settings field reads (a typo?): {sorted(unknown)}"


def test_local_conveniences_are_not_deployed(settings_in_bicep: dict[str, str]) -> None:
    deployed = {f"CASAI_{field.upper()}" for field in NOT_SET_IN_PRODUCTION} & set(
        settings_in_bicep
    )
    assert not deployed, f"local-only settings set in production: {sorted(deployed)}"


def test_production_mode_and_real_backends(settings_in_bicep: dict[str, str]) -> None:
    assert settings_in_bicep["CASAI_ENVIRONMENT"] == "'production'"
    assert settings_in_bicep["CASAI_EMAIL_BACKEND"] == "'sendgrid'"
    main = MAIN_BICEP.read_text(encoding="utf-8")
    # The database URL carries no user or password: the identity's Entra token signs in.
    database_url = bicep_variable(main, "databaseUrl")
    assert database_url.startswith("mssql+pyodbc://@"), database_url
    assert "driver=ODBC+Driver+18+for+SQL+Server" in database_url
    assert "Encrypt=yes" in database_url
    assert bicep_variable(main, "publicBaseUrl").startswith("https://")


def test_every_secret_is_read_from_key_vault_and_none_is_an_app_setting(
    settings_in_bicep: dict[str, str],
) -> None:
    secret_fields = {
        name for name, field in Settings.model_fields.items() if field.annotation is SecretStr
    }
    assert secret_fields == set(KEY_VAULT_SECRETS), "a secret that is not read from Key Vault"
    as_settings = {f"CASAI_{field.upper()}" for field in secret_fields} & set(settings_in_bicep)
    assert not as_settings, f"secrets given as app settings: {sorted(as_settings)}"
    # No Key Vault reference either: Flex cannot resolve one to a network-restricted vault.
    references = [
        name for name, value in settings_in_bicep.items() if "@Microsoft.KeyVault" in value
    ]
    assert not references, references
    assert settings_in_bicep["CASAI_KEY_VAULT_URL"] == "keyVaultUri"
    main = MAIN_BICEP.read_text(encoding="utf-8")
    assert "keyVaultUri: keyVault.outputs.uri" in main


def test_every_secret_the_app_reads_is_written_by_the_hook() -> None:
    hook = POSTPROVISION_HOOK.read_text(encoding="utf-8")
    written = set(re.findall(r"^\s*ensure_secret\s+([a-z0-9-]+)", hook, re.MULTILINE))
    wanted = set(KEY_VAULT_SECRETS.values()) | SECRETS_AHEAD_OF_SETTINGS
    assert wanted == written, f"read but not written: {sorted(wanted - written)}"


def test_the_app_identity_may_read_the_secrets() -> None:
    roles = (INFRA / "modules" / "roles.bicep").read_text(encoding="utf-8")
    assert "Key Vault Secrets User" in roles


def test_azure_yaml_hooks_and_services_exist() -> None:
    azure_yaml = (ROOT / "azure.yaml").read_text(encoding="utf-8")
    runs = re.findall(r"^\s*run:\s*(\S+)\s*$", azure_yaml, re.MULTILINE)
    assert "infra/hooks/postprovision.sh" in runs
    assert "infra/hooks/predeploy-migrate.sh" in runs
    for run in runs:
        script = ROOT / run
        assert script.is_file(), f"azure.yaml runs {run}, which does not exist"
        assert script.stat().st_mode & 0o111, f"{run} is not executable"
        assert script.read_text(encoding="utf-8").startswith("#!/usr/bin/env bash\n")
        assert "set -euo pipefail" in script.read_text(encoding="utf-8")
    # azd finds each service's resource by its azd-service-name tag.
    services = dict(
        re.findall(r"^  (\w+):\n(?:    .*\n)*?    host: (\w+)", azure_yaml, re.MULTILINE)
    )
    # The SPA joins as service `web` with its folder: azd fails on a project that is missing.
    web_app = (ROOT / "web").is_dir()
    assert services == (
        {"api": "function", "web": "staticwebapp"} if web_app else {"api": "function"}
    )
    for project in re.findall(r"^    project: (\S+)$", azure_yaml, re.MULTILINE):
        assert (ROOT / project).is_dir(), f"azure.yaml deploys {project}/, which does not exist"
    assert "infra/hooks/preprovision.sh" in runs
    modules = {p.name: p.read_text(encoding="utf-8") for p in (INFRA / "modules").glob("*.bicep")}
    assert "'azd-service-name': 'api'" in modules["functionapp.bicep"]
    assert "'azd-service-name': 'web'" in modules["staticwebapp.bicep"]


def test_parameters_file_matches_main_bicep() -> None:
    main = MAIN_BICEP.read_text(encoding="utf-8")
    declared = dict(re.findall(r"^param\s+(\w+)\s+\w+(\s*=)?", main, re.MULTILINE))
    required = {name for name, default in declared.items() if not default}
    parameters = json.loads((INFRA / "main.parameters.json").read_text(encoding="utf-8"))
    given = set(parameters["parameters"])
    assert given <= set(declared), f"parameters main.bicep lacks: {sorted(given - set(declared))}"
    assert required <= given, f"required parameters with no value: {sorted(required - given)}"


# What the module-output-derived values look like once deployed.
DEPLOYED_SAMPLES = {
    "blobEndpoint": "https://stexample.blob.core.windows.net/",
    "tableEndpoint": "https://stexample.table.core.windows.net/",
    "identityClientId": "00000000-0000-0000-0000-000000000001",
    "emailFrom": "CASAI <no-reply@example.se>",
    "keyVaultUri": "https://kv-example.vault.azure.net/",
    "supportEmail": "support@example.se",
}


def _deployed_value(value: str, main: str) -> str:
    """A plausible deployed value of an app-setting expression from the Bicep."""
    wrapped = re.fullmatch(r"string\((\w+)\)", value)
    if wrapped:
        value = wrapped.group(1)
    if value.startswith("'"):
        return re.sub(r"\$\{[^}]*\}", "example", value.strip("'"))
    if value in DEPLOYED_SAMPLES:
        return DEPLOYED_SAMPLES[value]
    var = re.search(rf"^var\s+{value}\s*=\s*'(.*)'\s*$", main, re.MULTILINE)
    if var:
        return re.sub(r"\$\{[^}]*\}", "example", var.group(1))
    param = re.search(rf"^param\s+{value}\s+\w+\s*=\s*'?([^'\n]*)'?\s*$", main, re.MULTILINE)
    assert param, f"cannot tell what {value!r} is deployed as"
    return param.group(1)


def test_deployed_settings_pass_the_production_checks(
    settings_in_bicep: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    main = MAIN_BICEP.read_text(encoding="utf-8")
    for name in list(os.environ):
        if name.startswith("CASAI_"):
            monkeypatch.delenv(name)
    for name, value in settings_in_bicep.items():
        if name.startswith("CASAI_"):
            monkeypatch.setenv(name, _deployed_value(value, main))
    # The vault holds what the hook writes: secrets.token_urlsafe(64) (or the operator's key).
    vault = types.SimpleNamespace(get_secret=lambda _name: types.SimpleNamespace(value="k" * 86))
    monkeypatch.setattr(config, "secret_client", lambda *_args: vault)
    settings = load_settings()  # raises SettingsError naming any unsafe value
    assert settings.environment == "production"
    assert settings.sqlalchemy_url.startswith("mssql+pyodbc://@")


def test_the_default_deployment_is_the_private_one_checkov_judges() -> None:
    """checkov reads each module alone, so it judges the modules' parameter defaults.

    Those defaults are the private settings; this keeps main.bicep's default (and the
    azd parameters file's) passing exactly those, so the scanned configuration is the
    one `azd up` deploys.
    """
    main = MAIN_BICEP.read_text(encoding="utf-8")
    assert re.search(r"^param privateNetworking bool = true$", main, re.MULTILINE)
    parameters = json.loads((INFRA / "main.parameters.json").read_text(encoding="utf-8"))
    assert parameters["parameters"]["privateNetworking"]["value"] == "${PRIVATE_NETWORKING=true}"

    passed = re.findall(r"^\s+(\w+): privateNetworking \? '(\w+)' : '\w+'$", main, re.MULTILINE)
    assert len(passed) == 3, passed  # SQL's and Key Vault's public access, Key Vault's firewall
    modules = "\n".join(p.read_text(encoding="utf-8") for p in (INFRA / "modules").glob("*.bicep"))
    for name, private_value in passed:
        defaults = re.findall(rf"^param {name} string = '(\w+)'$", modules, re.MULTILINE)
        assert defaults, f"no module default for {name}"
        assert set(defaults) == {private_value}, (name, defaults)


# What Microsoft lists as deprecated on Flex Consumption (Azure Functions app settings
# reference, "Flex Consumption plan deprecations"): site properties and app settings that
# the plan ignores, refuses or replaces with functionAppConfig.
FLEX_DEPRECATED_PROPERTIES = {
    "alwaysOn",
    "containerSize",
    "ftpsState",
    "isXenon",
    "javaVersion",
    "linuxFxVersion",
    "netFrameworkVersion",
    "powerShellVersion",
    "functionAppScaleLimit",
    "functionsRuntimeScaleMonitoringEnabled",
    "preWarmedInstanceCount",
    "use32BitWorkerProcess",
    "windowsFxVersion",
}
FLEX_DEPRECATED_SETTINGS = {
    "FUNCTIONS_EXTENSION_VERSION",
    "FUNCTIONS_WORKER_RUNTIME",
    "FUNCTIONS_WORKER_RUNTIME_VERSION",
    "FUNCTIONS_MAX_HTTP_CONCURRENCY",
    "FUNCTIONS_WORKER_PROCESS_COUNT",
    "FUNCTIONS_WORKER_DYNAMIC_CONCURRENCY_ENABLED",
    "SCM_DO_BUILD_DURING_DEPLOYMENT",
    "ENABLE_ORYX_BUILD",
    "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
    "WEBSITE_CONTENTOVERVNET",
    "WEBSITE_CONTENTSHARE",
    "WEBSITE_DNS_SERVER",
    "WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT",
    "WEBSITE_NODE_DEFAULT_VERSION",
    "WEBSITE_RUN_FROM_PACKAGE",
    "WEBSITE_SKIP_CONTENTSHARE_VALIDATION",
    "WEBSITE_VNET_ROUTE_ALL",
    "APPLICATIONINSIGHTS_ENABLE_AGENT",
}


def test_nothing_flex_consumption_deprecates_is_set(
    function_app_bicep: str, settings_in_bicep: dict[str, str]
) -> None:
    code = _strip_comments(function_app_bicep)
    properties = {name.lower() for name in re.findall(r"^\s*(\w+)\s*:", code, re.MULTILINE)}
    deprecated = {name for name in FLEX_DEPRECATED_PROPERTIES if name.lower() in properties}
    assert not deprecated, sorted(deprecated)
    assert not FLEX_DEPRECATED_SETTINGS & set(settings_in_bicep)
    # Basic-auth publishing: only the SCM site's policy, turned off. Flex has no FTP
    # endpoint, so an `ftp` policy would govern nothing.
    policies = re.findall(
        r"'Microsoft\.Web/sites/basicPublishingCredentialsPolicies@[^']+' = \{\s*"
        r"parent: \w+\s*name: '(\w+)'\s*properties: \{\s*allow: (\w+)",
        code,
    )
    assert policies == [("scm", "false")]


def test_location_is_a_flex_consumption_region() -> None:
    """As Microsoft's Flex quickstart (functions-quickstart-python-http-azd) does: azd then
    offers only regions that have the plan, and a deployment elsewhere fails at once."""
    main = _strip_comments(MAIN_BICEP.read_text(encoding="utf-8"))
    declared = re.search(r"@allowed\(\[([^\]]*)\]\)\s*@metadata\([^)]*\)\s*param location ", main)
    assert declared, "param location has no @allowed list"
    regions = re.findall(r"'(\w+)'", declared.group(1))
    assert {"swedencentral", "northeurope", "westeurope"} <= set(regions)  # infra/README.md
    assert "eastus2euap" not in regions  # the quickstart's canary region: not for customers
