#!/usr/bin/env bash
# azd preprovision hook (azure.yaml): refuses a deployment that would lock its own
# deployer out of Azure SQL, before anything is created.
#
# main.bicep makes the deployer (AZURE_PRINCIPAL_ID, an object id) the SQL Entra
# administrator unless SQL_ADMIN_OBJECT_ID names one. That suits a user; for a
# service principal (a CI pipeline) Azure SQL wants the application's client id,
# which azd does not provide, so a pipeline must name an Entra group it belongs to.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=infra/hooks/lib.sh
source "$here/lib.sh"

if [ "${AZURE_PRINCIPAL_TYPE:-User}" = "ServicePrincipal" ] && [ -z "${SQL_ADMIN_OBJECT_ID:-}" ]; then
  die "a service principal deploys: set SQL_ADMIN_OBJECT_ID to the object id of an Entra group it is a member of (azd env set SQL_ADMIN_OBJECT_ID ...); see infra/README.md, Deploy"
fi
note "SQL Entra administrator: ${SQL_ADMIN_OBJECT_ID:-the deployer (${AZURE_PRINCIPAL_ID:-unknown})}"
