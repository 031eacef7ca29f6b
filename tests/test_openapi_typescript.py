"""The document makes a typed client: openapi-typescript generates TypeScript types from
the served `/api/openapi.json`, and the TypeScript compiler accepts them (strict), so a
document that a client generator cannot read fails here, before the web app needs it."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import httpx

from tests.conftest import REPO

BIN = REPO / "node_modules" / ".bin"


def generated_types(client: httpx.Client, folder: Path) -> str:
    document = folder / "openapi.json"
    document.write_text(json.dumps(client.get("/api/openapi.json").json()), encoding="utf-8")
    types = folder / "api.d.ts"
    made = subprocess.run(
        [str(BIN / "openapi-typescript"), str(document), "--output", str(types)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    return types.read_text(encoding="utf-8")


def test_the_document_generates_types_that_compile(client: httpx.Client, tmp_path: Path) -> None:
    types = generated_types(client, tmp_path)
    compiled = subprocess.run(
        [str(BIN / "tsc"), "--noEmit", "--strict", str(tmp_path / "api.d.ts")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    # Every operation is there, by its operationId, with its problem answers typed.
    assert "export interface operations" in types
    assert re.search(r"\bupdate_row: \{", types)
    assert 'code: "precondition_failed"' in types or '"precondition_failed"' in types


def test_money_and_quantities_are_strings_in_the_client(
    client: httpx.Client, tmp_path: Path
) -> None:
    types = generated_types(client, tmp_path)
    row_out = re.search(r"\n        RowOut: \{(.*?)\n        \};", types, re.S)
    assert row_out, "RowOut missing from the generated types"
    for field in ("quantity", "unit_price", "amount"):
        declared = re.search(rf"\b{field}\??: ([^;]+);", row_out.group(1))
        assert declared, f"RowOut.{field} missing"
        assert "number" not in declared.group(1), f"RowOut.{field}: {declared.group(1)}"
        assert "string" in declared.group(1), f"RowOut.{field}: {declared.group(1)}"
