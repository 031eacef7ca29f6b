"""Grant or revoke platform administration; there is no other way to become one.

    python -m admin grant someone@example.se
    python -m admin revoke someone@example.se
    python -m admin list

Against the database of CASAI_DATABASE_URL (Azure SQL with your `az login` identity, as
the migrations). Each change is audited in the `platform` trail and in the account's own
security log.
"""

from __future__ import annotations

import argparse
import sys

from admin import service
from shared import audit
from shared.db import new_session


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m admin", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, purpose in (
        ("grant", "make an account a platform administrator"),
        ("revoke", "make a platform administrator an ordinary account"),
    ):
        command = commands.add_parser(name, help=purpose)
        command.add_argument("email", help="the account's e-mail address")
    commands.add_parser("list", help="list the platform administrators")
    args = parser.parse_args(argv)
    with new_session() as db:
        if args.command == "list":
            for user in service.platform_admins(db):
                print(f"{user.email}\t{user.id}")
            return 0
        try:
            with db.begin():
                user = service.set_platform_admin(db, args.email, args.command == "grant")
        except LookupError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        audit.forward_recorded(db)
    state = "is now" if args.command == "grant" else "is no longer"
    print(f"{user.email} {state} a platform administrator")
    return 0


if __name__ == "__main__":
    sys.exit(main())
