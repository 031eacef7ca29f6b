"""`python -m devhost`: serve the Functions app locally, as Core Tools would.

    python -m devhost [--port 7071] [--azurite] [--migrate] [--no-timers]
    python -m devhost --run-timer NAME     run one timer function now, then exit

Settings come from the environment; like Core Tools, the `Values` of a
`local.settings.json` fill in what the environment does not set.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import signal
import sys
from pathlib import Path

from devhost import azurite

REPO = Path(__file__).resolve().parent.parent


def load_local_settings(path: Path) -> None:
    if path.exists():
        values = json.loads(path.read_text(encoding="utf-8")).get("Values", {})
        for name, value in values.items():
            os.environ.setdefault(name, str(value))


def migrate() -> None:
    from alembic import command
    from alembic.config import Config

    command.upgrade(Config(str(REPO / "alembic.ini")), "head")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m devhost", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "7071")))
    parser.add_argument("--app", default="function_app:app", help="module:attribute")
    parser.add_argument("--azurite", action="store_true", help="start Azurite under the data dir")
    parser.add_argument("--migrate", action="store_true", help="migrate and create storage first")
    parser.add_argument("--no-timers", action="store_true", help="do not fire timer triggers")
    parser.add_argument("--run-timer", metavar="NAME", help="run one timer function and exit")
    args = parser.parse_args()

    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    for name in ("casai", "devhost", "alembic.runtime.migration"):
        logging.getLogger(name).setLevel(logging.INFO)
    # Stop cleanly (and stop Azurite with us) when terminated, not only on Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    load_local_settings(REPO / "local.settings.json")

    from shared.config import get_settings

    settings = get_settings()
    storage = None
    if args.azurite:
        storage = azurite.start(
            settings.data_dir / "azurite", log_file=settings.data_dir / "azurite.log"
        )
    try:
        if args.migrate:
            from shared.storage import ensure_resources

            migrate()
            ensure_resources(settings)
        serve(args, settings.outbox_dir)
    finally:
        if storage is not None:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal must not cut this short
            azurite.stop(storage)


def serve(args: argparse.Namespace, outbox: Path) -> None:
    from devhost.server import DevHost, read_route_prefix
    from shared.config import get_settings
    from shared.http import largest_body_limit
    from shared.storage import blob_origin

    module_name, _, attribute = args.app.partition(":")
    app = getattr(importlib.import_module(module_name), attribute or "app")
    host = DevHost(
        app,
        read_route_prefix(REPO / "host.json"),
        static_dir=REPO / "web" / "dist",
        max_body_bytes=largest_body_limit(),  # read once the app has registered its endpoints
        blob_origin=blob_origin(get_settings()),
    )
    if args.run_timer:
        host.run_timer(args.run_timer)
        return
    if not args.no_timers:
        host.start_timers()
    print(f"CASAI on http://{args.host}:{args.port}/api  (e-mail outbox: {outbox.resolve()})")
    host.serve(args.host, args.port)


if __name__ == "__main__":
    main()
