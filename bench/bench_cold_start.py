"""Benchmark: the CPU time of a cold start, `import function_app`, against the
libraries every Functions app of this kind imports anyway.

    .venv/bin/python -m bench.bench_cold_start             (or: make bench)

The app's modules are compiled first, as the deployment package ships them
(infra/bytecode.py; a package run from a read-only mount could not write them), as
pip compiled the libraries'. Each measurement is a fresh Python process that reads its own CPU time
(`time.process_time`) around one import statement, so interpreter start-up is left
out. Rounds alternate the app and the baseline (`import azure.functions, sqlalchemy,
pydantic`), so a noisy neighbour slows both alike; the ratio of the medians is the
figure.

Budget (issue 13): the app ≤ 1.5 × the baseline.

Exits non-zero when over budget.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

from infra.bytecode import compile_app

REPO = Path(__file__).resolve().parent.parent
RATIO_BUDGET = 1.5
ROUNDS = 9
APP = "import function_app"
BASELINE = "import azure.functions, sqlalchemy, pydantic"
MEASURE = "import time; started = time.process_time(); {}; print(time.process_time() - started)"


def cpu_seconds(statement: str) -> float:
    done = subprocess.run(  # noqa: S603 (our own interpreter and statements)
        [sys.executable, "-c", MEASURE.format(statement)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


def main() -> int:
    # The app as deployed: its bytecode compiled (infra/bytecode.py, the prepackage
    # hook), as the libraries' is by pip; then one run warms the file system cache.
    if not compile_app():
        raise SystemExit("the app's modules did not compile")
    cpu_seconds(APP)
    app, baseline = [], []
    for _ in range(ROUNDS):
        app.append(cpu_seconds(APP))
        baseline.append(cpu_seconds(BASELINE))
    ratio = statistics.median(app) / statistics.median(baseline)
    verdict = "ok" if ratio <= RATIO_BUDGET else "OVER BUDGET"
    print(
        f"cold start: import function_app {statistics.median(app) * 1000:.0f} ms CPU, "
        f"baseline {statistics.median(baseline) * 1000:.0f} ms, "
        f"ratio {ratio:.2f} (budget {RATIO_BUDGET}) {verdict}"
    )
    return 0 if ratio <= RATIO_BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
