"""The web app's typed client is the served document's: web/src/api/schema.d.ts is what
`make client` makes now (the document built in-process as GET /api/openapi.json serves it,
then openapi-typescript), byte for byte. An endpoint or schema changed without
`make client` fails here."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx

from tests.conftest import REPO

WEB = REPO / "web"
COMMITTED = WEB / "src" / "api" / "schema.d.ts"
GENERATOR = WEB / "node_modules" / ".bin" / "openapi-typescript"


def regenerate(folder: Path) -> bytes:
    document = folder / "openapi.json"
    made = subprocess.run(
        [sys.executable, "-m", "meta.openapi_file", str(document)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    assert GENERATOR.exists(), f"{GENERATOR} is missing: npm ci in web/ (make web)"
    schema = folder / "schema.d.ts"
    typed = subprocess.run(
        [str(GENERATOR), str(document), "--output", str(schema)],
        cwd=WEB,
        capture_output=True,
        text=True,
        check=False,
    )
    assert typed.returncode == 0, typed.stdout + typed.stderr
    return schema.read_bytes()


def test_the_committed_client_is_up_to_date(tmp_path: Path) -> None:
    assert regenerate(tmp_path) == COMMITTED.read_bytes(), (
        "web/src/api/schema.d.ts is stale: run `make client` and commit it"
    )


def test_the_file_is_the_served_document(client: httpx.Client, tmp_path: Path) -> None:
    regenerate(tmp_path)
    served = client.get("/api/openapi.json")
    assert served.status_code == 200
    # The test host runs with the default settings the file is built with.
    assert (tmp_path / "openapi.json").read_bytes() == served.content


def test_money_and_quantities_are_strings_in_the_client() -> None:
    """A decimal is a string on the wire and stays one in the browser (decimal.js)."""
    types = COMMITTED.read_text(encoding="utf-8")
    row_out = re.search(r"\n        RowOut: \{(.*?)\n        \};", types, re.S)
    assert row_out, "RowOut missing from the generated types"
    for field in ("quantity", "unit_price", "amount"):
        declared = re.search(rf"\b{field}\??: ([^;]+);", row_out.group(1))
        assert declared, f"RowOut.{field} missing"
        assert "number" not in declared.group(1), f"RowOut.{field}: {declared.group(1)}"
        assert "string" in declared.group(1), f"RowOut.{field}: {declared.group(1)}"
