#!/usr/bin/env bash
# azd prepackage hook of the api service (azure.yaml): compiles the app's modules to
# hash-checked bytecode in their __pycache__ folders, which the package then carries
# (.funcignore), so a cold start on the read-only package does not compile them again.
# With the Python 3.11 of `make` (.venv), as the Functions runtime runs (cpython-311).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=infra/hooks/lib.sh
source "$here/lib.sh"

cd "$root"
make -C "$root" --no-print-directory .venv/.installed
note "Compiling the app's bytecode for the package (infra/bytecode.py)"
"$root/.venv/bin/python" infra/bytecode.py
