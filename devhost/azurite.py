"""Start Azurite (the npm Blob/Table storage emulator) as a child process."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
AZURITE = REPO / "node_modules" / ".bin" / "azurite"
DEFAULT_PORTS = (10000, 10001, 10002)  # blob, queue, table: what UseDevelopmentStorage means


@dataclass(frozen=True)
class Azurite:
    process: subprocess.Popen[bytes] | None  # None when one was already listening
    blob_port: int
    table_port: int


def port_is_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(
    location: Path,
    ports: tuple[int, int, int] = DEFAULT_PORTS,
    accounts: str | None = None,
    log_file: Path | None = None,
) -> Azurite:
    """Start Azurite on (blob, queue, table) ports with its data in `location`.

    `accounts` ("name:base64key") replaces the well-known development account,
    so tests can use a key of their own.
    """
    blob, queue, table = ports
    if accounts is None and all(port_is_open(port) for port in (blob, table)):
        return Azurite(None, blob, table)
    if not AZURITE.exists():
        raise RuntimeError("Azurite is not installed: run `npm ci` (make does it for you)")
    location.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    if accounts is not None:
        env["AZURITE_ACCOUNTS"] = accounts
    output = open(log_file or os.devnull, "ab")  # noqa: SIM115 (handed to the child)
    process = subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
        [
            str(AZURITE),
            "--silent",
            "--skipApiVersionCheck",
            "--location",
            str(location),
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            str(blob),
            "--queueHost",
            "127.0.0.1",
            "--queuePort",
            str(queue),
            "--tableHost",
            "127.0.0.1",
            "--tablePort",
            str(table),
        ],
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    output.close()
    deadline = time.monotonic() + 30
    while not (port_is_open(blob) and port_is_open(table)):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"Azurite did not start on ports {ports}")
        time.sleep(0.1)
    return Azurite(process, blob, table)


def stop(azurite: Azurite) -> None:
    if azurite.process is not None:
        # Azurite's graceful shutdown can take minutes; its data is saved as it goes.
        stop_process(azurite.process, grace_seconds=3)


def stop_process(process: subprocess.Popen[bytes], grace_seconds: float = 10) -> None:
    """Terminate a child process, and kill it if it has not stopped after the grace time."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def connection_string(account: str, key: str, blob_port: int, table_port: int) -> str:
    return (
        f"DefaultEndpointsProtocol=http;AccountName={account};AccountKey={key};"
        f"BlobEndpoint=http://127.0.0.1:{blob_port}/{account};"
        f"TableEndpoint=http://127.0.0.1:{table_port}/{account};"
    )
