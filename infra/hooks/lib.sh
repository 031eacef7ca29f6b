#!/usr/bin/env bash
# Shared by the azd hooks in this folder (sourced, not run). azd exports the
# environment's values, including every main.bicep output, as variables.

die() {
  echo "error: $*" >&2
  exit 1
}

note() {
  echo "==> $*"
}

require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed (see infra/README.md, Prerequisites)"
  done
}

require_env() {
  local name
  for name in "$@"; do
    [ -n "${!name:-}" ] || die "$name is not set; run this through azd (azd up / azd hooks run ...)"
  done
}

# go-sqlcmd, not the ODBC sqlcmd of mssql-tools: only go-sqlcmd signs in with the
# Azure CLI / azd login (--authentication-method ActiveDirectoryDefault).
require_go_sqlcmd() {
  require_tools sqlcmd
  sqlcmd --help 2>&1 | grep -q -- "--authentication-method" \
    || die "sqlcmd is the legacy ODBC one; install go-sqlcmd (https://aka.ms/go-sqlcmd)"
}

retry() {
  # retry ATTEMPTS DELAY_SECONDS COMMAND...
  local attempts=$1 delay=$2 n=1
  shift 2
  until "$@"; do
    [ "$n" -ge "$attempts" ] && return 1
    echo "    (attempt $n/$attempts failed; retrying in ${delay}s)" >&2
    sleep "$delay"
    n=$((n + 1))
  done
}

sql() {
  # sql [sqlcmd args...]: the app database, as the signed-in deployer (Entra admin).
  sqlcmd -S "tcp:${AZURE_SQL_SERVER_FQDN},1433" -d "${AZURE_SQL_DATABASE_NAME}" \
    --authentication-method ActiveDirectoryDefault -b -l 60 "$@"
}

# --- Temporary access for this machine -----------------------------------------
# With private networking (the default) SQL and Key Vault have no public endpoint.
# A hook run from outside the VNet turns the endpoint on for as long as it runs,
# with a firewall that admits this machine's address alone, and turns it off again
# on exit (the next `azd provision` turns it off as well, should a hook be killed).
# Without private networking only the SQL firewall rule is needed. On a machine
# that reaches the private endpoints (jump host, self-hosted runner, VPN), set
# CASAI_HOOKS_IN_VNET=1 and nothing is opened. This machine's address is read from
# each service's own refusal message, or taken from DEPLOYER_IP: no third-party lookup.

private_networking() {
  [ "${AZURE_PRIVATE_NETWORKING:-true}" = "true" ]
}

in_vnet() {
  [ "${CASAI_HOOKS_IN_VNET:-}" = "1" ]
}

SQL_FIREWALL_RULE=""
SQL_ENDPOINT_OPENED=""

open_sql_access() {
  in_vnet && return 0
  if private_networking; then
    note "Turning on the SQL server's public endpoint while the hook runs"
    az sql server update --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_SQL_SERVER_NAME" \
      --enable-public-network true --output none
    SQL_ENDPOINT_OPENED=1
  fi
  local ip="${DEPLOYER_IP:-}" output
  if [ -z "$ip" ]; then
    if output=$(sql -Q "SELECT 1" 2>&1); then
      return 0  # already reachable (an existing rule, or inside Azure)
    fi
    ip=$(printf '%s' "$output" | sed -n "s/.*Client with IP address '\([0-9a-fA-F.:]*\)'.*/\1/p" | head -n 1)
    [ -n "$ip" ] || die "cannot reach SQL and no client address in its answer; set DEPLOYER_IP. sqlcmd said: $output"
  fi
  SQL_FIREWALL_RULE="azd-hook-$(printf '%s' "$ip" | tr '.:' '--')"
  note "Allowing $ip through the SQL firewall while the hook runs ($SQL_FIREWALL_RULE)"
  az sql server firewall-rule create --resource-group "$AZURE_RESOURCE_GROUP" \
    --server "$AZURE_SQL_SERVER_NAME" --name "$SQL_FIREWALL_RULE" \
    --start-ip-address "$ip" --end-ip-address "$ip" --output none
}

close_sql_access() {
  if [ -n "$SQL_FIREWALL_RULE" ]; then
    note "Removing the temporary SQL firewall rule $SQL_FIREWALL_RULE"
    az sql server firewall-rule delete --resource-group "$AZURE_RESOURCE_GROUP" \
      --server "$AZURE_SQL_SERVER_NAME" --name "$SQL_FIREWALL_RULE" --output none \
      || echo "warning: could not remove firewall rule $SQL_FIREWALL_RULE; delete it by hand" >&2
    SQL_FIREWALL_RULE=""
  fi
  if [ -n "$SQL_ENDPOINT_OPENED" ]; then
    note "Turning the SQL server's public endpoint off again"
    az sql server update --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_SQL_SERVER_NAME" \
      --enable-public-network false --output none \
      || echo "warning: could not turn off public access of $AZURE_SQL_SERVER_NAME; run azd provision" >&2
    SQL_ENDPOINT_OPENED=""
  fi
}

VAULT_ENDPOINT_OPENED=""
VAULT_IP_RULE=""

# Prints the address Key Vault refuses ("Client address: 203.0.113.7"), or nothing
# when it already answers. Just after the endpoint is turned on it may refuse without
# naming one, so the caller retries.
vault_refused_address() {
  local output
  output=$(az keyvault secret list --vault-name "$AZURE_KEY_VAULT_NAME" --output none 2>&1) && return 0
  printf '%s' "$output" | sed -n 's/.*Client address: \([0-9.]*\).*/\1/p' | head -n 1 | grep .
}

open_vault_access() {
  in_vnet && return 0
  private_networking || return 0  # the vault's endpoint is already public
  note "Turning on the Key Vault's public endpoint (deny by default) while the hook runs"
  az keyvault update --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_KEY_VAULT_NAME" \
    --public-network-access Enabled --default-action Deny --bypass AzureServices --output none
  VAULT_ENDPOINT_OPENED=1
  local ip="${DEPLOYER_IP:-}"
  if [ -z "$ip" ]; then
    ip=$(retry 12 10 vault_refused_address) \
      || die "no client address in the Key Vault's answers; set DEPLOYER_IP"
    [ -n "$ip" ] || return 0  # it answers already (an existing rule)
  fi
  note "Allowing $ip through the Key Vault firewall while the hook runs"
  az keyvault network-rule add --resource-group "$AZURE_RESOURCE_GROUP" \
    --name "$AZURE_KEY_VAULT_NAME" --ip-address "$ip/32" --output none
  VAULT_IP_RULE="$ip/32"
}

close_vault_access() {
  [ -n "$VAULT_ENDPOINT_OPENED" ] || return 0
  note "Turning the Key Vault's public endpoint off again"
  if [ -n "$VAULT_IP_RULE" ]; then
    # Harmless if it fails: Bicep declares no IP rules, so the next provision drops it.
    az keyvault network-rule remove --resource-group "$AZURE_RESOURCE_GROUP" \
      --name "$AZURE_KEY_VAULT_NAME" --ip-address "$VAULT_IP_RULE" --output none \
      || echo "warning: could not remove the Key Vault IP rule $VAULT_IP_RULE" >&2
    VAULT_IP_RULE=""
  fi
  az keyvault update --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_KEY_VAULT_NAME" \
    --public-network-access Disabled --output none \
    || echo "warning: could not turn off public access of $AZURE_KEY_VAULT_NAME; run azd provision" >&2
  VAULT_ENDPOINT_OPENED=""
}

# The serverless database may be paused: the first connection wakes it and can
# fail while it resumes (error 40613), so wait until it answers.
wait_for_database() {
  note "Waiting for ${AZURE_SQL_DATABASE_NAME} to accept connections"
  retry 10 15 sql -Q "SELECT 1" >/dev/null || die "the database did not answer"
}
