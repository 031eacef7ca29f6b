"""Microsoft ODBC Driver 18 for SQL Server, registered with unixODBC inside the venv.

PyPI's `mssql-python-odbc` (requirements-dev.txt) ships the driver's Linux
libraries; unixODBC (Debian's `unixodbc`, which `make odbc-driver` installs)
finds a driver through an `odbcinst.ini`. This writes one under `<venv>/etc`
instead of `/etc`, so nothing outside the project changes, and whoever runs the
real driver (the tests, `make rehearse`, the migration hook) points
`ODBCSYSINI` at that folder:

    python infra/odbc_driver.py register    # writes <venv>/etc/odbcinst.ini
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

DRIVER_NAME = "ODBC Driver 18 for SQL Server"
# mssql-python-odbc's folder per Linux family (libs/linux/<family>/<machine>/lib/).
_FAMILIES = {"debian": "debian_ubuntu", "ubuntu": "debian_ubuntu", "rhel": "rhel", "suse": "suse"}


def registration_dir(prefix: Path | None = None) -> Path:
    """Where this venv's odbcinst.ini lives: the folder ODBCSYSINI names."""
    return (prefix or Path(sys.prefix)) / "etc"


def use_registration(prefix: Path | None = None) -> bool:
    """Point unixODBC at this venv's registration unless ODBCSYSINI already names one."""
    folder = registration_dir(prefix)
    if "ODBCSYSINI" in os.environ or not (folder / "odbcinst.ini").is_file():
        return False
    os.environ["ODBCSYSINI"] = str(folder)
    return True


def driver_library() -> Path:
    """The driver's shared library for this machine, from mssql-python-odbc."""
    import mssql_python_odbc

    machine = platform.machine()
    base = Path(mssql_python_odbc.get_libs_dir()) / "linux"
    for family in _linux_families():
        found = sorted((base / family / machine / "lib").glob("libmsodbcsql-18.*.so*"))
        if found:
            return found[-1]
    raise RuntimeError(f"mssql-python-odbc has no driver for this Linux ({machine})")


def _linux_families() -> list[str]:
    """mssql-python-odbc's folders that fit this distribution, the closest first."""
    release = platform.freedesktop_os_release()
    names = [release.get("ID", ""), *release.get("ID_LIKE", "").split()]
    families = [_FAMILIES[name] for name in names if name in _FAMILIES]
    return list(dict.fromkeys([*families, "debian_ubuntu"]))


def register(prefix: Path | None = None) -> Path:
    """Write <venv>/etc/odbcinst.ini naming the driver; its path."""
    folder = registration_dir(prefix)
    folder.mkdir(parents=True, exist_ok=True)
    ini = folder / "odbcinst.ini"
    ini.write_text(
        f"[{DRIVER_NAME}]\n"
        f"Description=Microsoft {DRIVER_NAME} (PyPI mssql-python-odbc)\n"
        f"Driver={driver_library()}\n"
        "UsageCount=1\n",
        encoding="utf-8",
    )
    return ini


if __name__ == "__main__":
    if sys.argv[1:] != ["register"]:
        sys.exit(__doc__)
    if sys.platform != "linux":  # mssql-python-odbc is installed on Linux only
        print(f"note: {DRIVER_NAME} comes from PyPI on Linux only; real-driver tests will skip")
    else:
        print(f"registered {DRIVER_NAME} in {register()}")
