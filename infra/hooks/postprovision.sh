#!/usr/bin/env bash
# azd postprovision hook (azure.yaml): runs after every `azd provision` / `azd up`.
#  1. Key Vault: makes sure each secret the Function App reads exists.
#     casai-secret-key is generated here once; sendgrid-api-key and intercom-secret
#     come from the operator (see "Secrets" in infra/README.md). Values go to Key
#     Vault through a private temp file, never on a command line or into ARM.
#  2. Azure SQL: makes the Function App's managed identity a database user with
#     db_datareader and db_datawriter only (sql/grant-app-identity.sql).
#  3. Restarts the Function App: it reads the secrets and connects to SQL at start,
#     and provisioning started it before steps 1 and 2 existed.
# Runs as the signed-in deployer (az login): Key Vault Secrets Officer and SQL
# Entra administrator, both granted by main.bicep. Safe to run again.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=infra/hooks/lib.sh
source "$here/lib.sh"

require_tools az python3
require_go_sqlcmd
require_env AZURE_RESOURCE_GROUP AZURE_KEY_VAULT_NAME AZURE_SQL_SERVER_NAME \
  AZURE_SQL_SERVER_FQDN AZURE_SQL_DATABASE_NAME AZURE_MANAGED_IDENTITY_NAME \
  AZURE_MANAGED_IDENTITY_CLIENT_ID AZURE_FUNCTION_APP_NAME

umask 077
workdir="$(mktemp -d)"
cleanup() {
  rm -rf "$workdir"
  close_vault_access
  close_sql_access
}
trap cleanup EXIT

# --- 1. Key Vault secrets ----------------------------------------------------

vault="$AZURE_KEY_VAULT_NAME"
open_vault_access

# The Secrets Officer role was granted moments ago by the same provision and can
# take a few minutes to reach Key Vault: wait until listing works.
note "Reading the secret names in $vault"
list_secrets() {
  az keyvault secret list --vault-name "$vault" --query "[].name" --output tsv >"$workdir/names"
}
retry 12 15 list_secrets || die "cannot list secrets in $vault: the signed-in deployer needs Key Vault Secrets Officer (main.bicep grants it to AZURE_PRINCIPAL_ID)"

secret_exists() {
  grep -qx "$1" "$workdir/names"
}

put_secret() {
  # put_secret NAME FILE: the value is read from FILE, which is then removed.
  az keyvault secret set --vault-name "$vault" --name "$1" --file "$2" \
    --encoding utf-8 --content-type "text/plain" --output none
  rm -f "$2"
}

random_value() {
  python3 -c 'import secrets; print(secrets.token_urlsafe(64), end="")'
}

# ensure_secret NAME [ENV_VAR]
#   ENV_VAR set (e.g. a CI secret): write its value (this is also how to rotate).
#   Otherwise an existing secret is kept. A missing one is asked for on a terminal;
#   without one (or with no ENV_VAR at all) it gets a random value, which for an
#   operator secret is a placeholder to be replaced (infra/README.md, Secrets).
ensure_secret() {
  local name=$1 env_var=${2:-} file="$workdir/value"
  if [ -n "$env_var" ] && [ -n "${!env_var:-}" ]; then
    printf '%s' "${!env_var}" >"$file"
    note "Setting $name from \$$env_var"
    put_secret "$name" "$file"
    return
  fi
  if secret_exists "$name"; then
    note "Keeping the existing $name"
    return
  fi
  if [ -n "$env_var" ] && [ -t 0 ]; then
    local value=""
    read -r -s -p "Value for $name (\$$env_var; empty for a placeholder): " value
    echo
    if [ -n "$value" ]; then
      printf '%s' "$value" >"$file"
      note "Setting $name"
      put_secret "$name" "$file"
      return
    fi
  fi
  random_value >"$file"
  put_secret "$name" "$file"
  if [ -n "$env_var" ]; then
    echo "warning: $name holds a random placeholder; set the real value (infra/README.md, Secrets)" >&2
  else
    note "Generated $name"
  fi
}

# The app's signing key: random, generated once, rotated on purpose only.
ensure_secret casai-secret-key
# The SendGrid API key (Mail Send permission only).
ensure_secret sendgrid-api-key SENDGRID_API_KEY
# Intercom identity-verification secret of the workspace in intercomAppId.
ensure_secret intercom-secret INTERCOM_SECRET
# Intercom REST API access token (creates support tickets).
ensure_secret intercom-access-token INTERCOM_ACCESS_TOKEN

# --- 2. The managed identity as a database user --------------------------------

[[ "$AZURE_MANAGED_IDENTITY_NAME" =~ ^[A-Za-z0-9_-]+$ ]] || die "unexpected identity name"
[[ "$AZURE_MANAGED_IDENTITY_CLIENT_ID" =~ ^[0-9a-fA-F-]{36}$ ]] || die "unexpected client id"

open_sql_access
wait_for_database
note "Granting $AZURE_MANAGED_IDENTITY_NAME db_datareader and db_datawriter"
sql -i "$here/sql/grant-app-identity.sql" \
  -v IdentityName="$AZURE_MANAGED_IDENTITY_NAME" \
  -v IdentityClientId="$AZURE_MANAGED_IDENTITY_CLIENT_ID"

# --- 3. A restart, so the app starts with what steps 1 and 2 made ---------------

note "Restarting $AZURE_FUNCTION_APP_NAME so it reads its secrets again"
az functionapp restart --name "$AZURE_FUNCTION_APP_NAME" --resource-group "$AZURE_RESOURCE_GROUP" \
  --output none

note "Postprovision done"
