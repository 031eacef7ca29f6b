"""`python -m tests.mssql_devhost ...`: `python -m devhost ...` that also compiles every
statement it runs for SQL Server (tests/mssql_compile.py). The tests start the app so."""

from devhost.__main__ import main
from tests import mssql_compile

if __name__ == "__main__":
    mssql_compile.install()
    main()
