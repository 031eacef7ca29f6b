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

# With private networking, SQL and Key Vault have no public endpoint: the hooks
# must run on a machine that resolves and reaches their private endpoints.
require_network_path() {
  if [ "${AZURE_PRIVATE_NETWORKING:-false}" = "true" ] && [ "${CASAI_HOOKS_IN_VNET:-}" != "1" ]; then
    die "privateNetworking is on: run this hook from a machine inside the VNet (or peered/VPN) with CASAI_HOOKS_IN_VNET=1, e.g. 'CASAI_HOOKS_IN_VNET=1 azd hooks run $1' (infra/README.md)"
  fi
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

SQL_FIREWALL_RULE=""

close_sql_firewall() {
  if [ -n "$SQL_FIREWALL_RULE" ]; then
    note "Removing the temporary SQL firewall rule $SQL_FIREWALL_RULE"
    az sql server firewall-rule delete --resource-group "$AZURE_RESOURCE_GROUP" \
      --server "$AZURE_SQL_SERVER_NAME" --name "$SQL_FIREWALL_RULE" --output none \
      || echo "warning: could not remove firewall rule $SQL_FIREWALL_RULE; delete it by hand" >&2
    SQL_FIREWALL_RULE=""
  fi
}

# Lets this machine reach the SQL server for the length of the hook: a rule for
# its public address alone, removed again on exit. The address is taken from
# DEPLOYER_IP, or from the server's own refusal message (no third-party lookup).
open_sql_firewall() {
  [ "${AZURE_PRIVATE_NETWORKING:-false}" = "true" ] && return 0
  local ip="${DEPLOYER_IP:-}" output
  if [ -z "$ip" ]; then
    if output=$(sql -Q "SELECT 1" 2>&1); then
      return 0  # already reachable (an existing rule, or inside Azure)
    fi
    ip=$(printf '%s' "$output" | sed -n "s/.*Client with IP address '\([0-9a-fA-F.:]*\)'.*/\1/p" | head -n 1)
    [ -n "$ip" ] || die "cannot reach SQL and no client address in its answer; set DEPLOYER_IP. sqlcmd said: $output"
  fi
  # The caller's EXIT trap calls close_sql_firewall.
  SQL_FIREWALL_RULE="azd-hook-$(printf '%s' "$ip" | tr '.:' '--')"
  note "Allowing $ip through the SQL firewall while the hook runs ($SQL_FIREWALL_RULE)"
  az sql server firewall-rule create --resource-group "$AZURE_RESOURCE_GROUP" \
    --server "$AZURE_SQL_SERVER_NAME" --name "$SQL_FIREWALL_RULE" \
    --start-ip-address "$ip" --end-ip-address "$ip" --output none
}

# The serverless database may be paused: the first connection wakes it and can
# fail while it resumes (error 40613), so wait until it answers.
wait_for_database() {
  note "Waiting for ${AZURE_SQL_DATABASE_NAME} to accept connections"
  retry 10 15 sql -Q "SELECT 1" >/dev/null || die "the database did not answer"
}
