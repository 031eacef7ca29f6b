"""Write the OpenAPI document to a file, byte for byte as `GET /api/openapi.json` serves it.

The web app's typed client (web/src/api/schema.d.ts, `make client`) is generated from it.
The document is built in this process, as the app builds it, with the default settings:
`CASAI_*` variables of the environment are ignored, so the committed client does not
depend on whoever ran the command (a setting such as CASAI_FILES_MAX_BYTES shows in it).

    python -m meta.openapi_file OUT.json
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def document_bytes() -> bytes:
    """The document as this process's settings make it (main() clears them first)."""
    import function_app  # noqa: F401 (registers every endpoint)
    from meta import routes

    return routes._document().encode("utf-8")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m meta.openapi_file OUT.json", file=sys.stderr)
        return 2
    for name in [name for name in os.environ if name.startswith("CASAI_")]:
        del os.environ[name]
    out = Path(argv[0])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(document_bytes())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
