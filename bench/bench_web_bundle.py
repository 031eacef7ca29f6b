"""The JavaScript the sign-in route loads, gzipped, against its budget.

Reads web/dist/.vite/manifest.json (`npm run build` in web/, `make web`): the entry
(index.html's chunk) and everything it imports statically, recursively (what the browser
fetches before the sign-in screen can show; lazily loaded screens are left out).

    python -m bench.bench_web_bundle
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

DIST = Path(__file__).resolve().parent.parent / "web" / "dist"
MANIFEST = DIST / ".vite" / "manifest.json"
BUDGET_KB = 250.0


def sign_in_chunks(manifest: dict[str, dict[str, object]]) -> list[str]:
    """The files of the entry chunk and of its static imports, each once."""
    entries = [key for key, chunk in manifest.items() if chunk.get("isEntry")]
    seen: list[str] = []
    pending = list(entries)
    while pending:
        key = pending.pop()
        if key in seen:
            continue
        seen.append(key)
        imports = manifest[key].get("imports", [])
        if isinstance(imports, list):
            pending.extend(str(name) for name in imports)
    return [str(manifest[key]["file"]) for key in seen]


def main() -> int:
    if not MANIFEST.exists():
        print(f"{MANIFEST} is missing: build the web app first (make web)", file=sys.stderr)
        return 2
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    files = sign_in_chunks(manifest)
    sizes = {name: len(gzip.compress((DIST / name).read_bytes(), 9)) for name in files}
    total_kb = sum(sizes.values()) / 1000
    print(f"{'web bundle (sign-in route JS)':<44}{'gzip kB':>10}{'budget':>10}")
    for name, size in sizes.items():
        print(f"  {name:<42}{size / 1000:>10.1f}")
    verdict = "ok" if total_kb <= BUDGET_KB else "OVER BUDGET"
    print(f"{'  total':<44}{total_kb:>10.1f}{BUDGET_KB:>10.1f}  {verdict}")
    return 0 if total_kb <= BUDGET_KB else 1


if __name__ == "__main__":
    sys.exit(main())
