"""What the benchmarks that run on each database share: the `--backend` option and a
folder of its own per database run."""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path

from tests.conftest import BACKENDS, POSTGRES_URL


def parser(doc: str) -> argparse.ArgumentParser:
    """A parser for a benchmark whose module docstring is `doc`, with `--backend`."""
    made = argparse.ArgumentParser(description=doc.split("\n")[0])
    made.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    return made


def run_each(
    made: argparse.ArgumentParser, args: argparse.Namespace, run: Callable[[str, Path], bool]
) -> int:
    """`run(backend, folder)` for each chosen database; 0 when all were within budget."""
    backends: list[str] = args.backend or BACKENDS
    if "postgresql" in backends and not POSTGRES_URL:
        made.error("postgresql needs CASAI_TEST_POSTGRES_URL")
    if "postgresql" not in backends:
        print("(sqlite only: set CASAI_TEST_POSTGRES_URL to add postgresql)")
    within = True
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix=f"casai-bench-{backend}-") as folder:
            within = run(backend, Path(folder)) and within
    return 0 if within else 1
