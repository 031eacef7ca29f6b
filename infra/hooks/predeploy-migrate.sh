#!/usr/bin/env bash
# azd predeploy hook of the api service (azure.yaml): applies the database
# migrations before the new code is deployed, with the deployment command
#     python -m alembic upgrade head
# run from the repository root with CASAI_DATABASE_URL (a main.bicep output) set.
#
# It signs in as the deployer, who is the SQL Entra administrator, through the
# app's own token code path: with CASAI_MANAGED_IDENTITY_CLIENT_ID unset,
# azure-identity's DefaultAzureCredential uses the Azure CLI login (az login), or
# a CI pipeline's federated/environment credential. The app's identity itself has
# no DDL rights (db_datareader + db_datawriter).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=infra/hooks/lib.sh
source "$here/lib.sh"

require_tools az make
require_go_sqlcmd
require_env AZURE_RESOURCE_GROUP AZURE_SQL_SERVER_NAME AZURE_SQL_SERVER_FQDN \
  AZURE_SQL_DATABASE_NAME CASAI_DATABASE_URL

case "$CASAI_DATABASE_URL" in
  mssql+pyodbc://@*) ;;
  *) die "CASAI_DATABASE_URL is not the passwordless Azure SQL URL: $CASAI_DATABASE_URL" ;;
esac

# The app's venv (requirements.txt brings alembic, SQLAlchemy, pyodbc, azure-identity);
# pyodbc also needs Microsoft ODBC Driver 18 for SQL Server: on Linux `make odbc-driver`
# registers PyPI's in .venv/etc (elsewhere install Microsoft's; infra/README.md).
make -C "$root" --no-print-directory .venv/.installed odbc-driver
python="$root/.venv/bin/python"
if [ -z "${ODBCSYSINI:-}" ] && [ -f "$root/.venv/etc/odbcinst.ini" ]; then
  export ODBCSYSINI="$root/.venv/etc"
fi

trap close_sql_access EXIT
open_sql_access
wait_for_database

note "Migrating ${AZURE_SQL_DATABASE_NAME}: python -m alembic upgrade head"
cd "$root"
env -u CASAI_MANAGED_IDENTITY_CLIENT_ID -u CASAI_ENVIRONMENT \
  CASAI_DATABASE_URL="$CASAI_DATABASE_URL" \
  "$python" -m alembic upgrade head

note "Migrations applied"
