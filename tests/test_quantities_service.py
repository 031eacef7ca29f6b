"""The schedule services called directly, as a timer or a script would: a database
session, who is calling and plain values, with no HTTP request anywhere.

The database is SQLite made from the models; the audit trail goes to the Azurite the
test session starts.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

# Every module whose tables register on Base.metadata, so create_all makes them all.
import auth.models
import projects.models
import quantities.models
import shared.throttle  # noqa: F401
from auth.sessions import Principal
from projects.access import ProjectAccess
from projects.permissions import Permission
from quantities import service
from quantities.schemas import RowCreate, RowPatch, ScheduleCreate
from shared import audit
from shared.client import Client
from shared.config import get_settings
from shared.db import Base, build_engine
from shared.problems import FieldError, FieldProblem, Problem
from tests.conftest import REPO


@dataclass(frozen=True)
class Editor:
    db: Session
    who: ProjectAccess


@pytest.fixture
def editor(app_settings: dict[str, str]) -> Iterator[Editor]:
    """An editor of a fresh project, in a session on a database made from the models."""
    engine = build_engine(app_settings["CASAI_DATABASE_URL"], get_settings())
    Base.metadata.create_all(engine)
    with Session(engine) as db:
        db.add(quantities.models.Unit(**M3))
        yield Editor(
            db, membership_with(db, Permission.SCHEDULES_MANAGE, Permission.SCHEDULES_EDIT)
        )
    engine.dispose()


M3 = {
    "code": "m3",
    "symbol": "m³",
    "name_sv": "kubikmeter",
    "name_en": "cubic metre",
    "unece_code": "MTQ",
    "sort_order": 1,
}


def membership_with(db: Session, *permissions: Permission) -> ProjectAccess:
    now = datetime.now(UTC)
    user = auth.models.User(
        email=f"{uuid.uuid4().hex}@example.com",
        display_name="Kalkylator",
        password_hash="-",
        created_at=now,
    )
    db.add(user)
    db.flush()
    org = projects.models.Organization(name="Bygg AB", created_at=now, created_by=user.id)
    db.add(org)
    db.flush()
    role = projects.models.Role(
        org_id=org.id, key="editor", name_sv="Redaktör", name_en="Editor", created_at=now
    )
    project = projects.models.Project(
        org_id=org.id, name="Väg 12", created_at=now, created_by=user.id
    )
    db.add_all([role, project])
    db.flush()
    membership = projects.models.ProjectMember(
        project_id=project.id, user_id=user.id, role_id=role.id, added_at=now
    )
    db.add(membership)
    db.flush()
    session = auth.models.UserSession(user_id=user.id, factors="password")
    caller = Principal(user, session, Client(ip="192.0.2.7"))
    return ProjectAccess(caller, project, membership, role, frozenset(permissions))


def _schedule_with_an_item(editor: Editor) -> tuple[uuid.UUID, dict[str, str]]:
    db, who = editor.db, editor.who
    schedule = service.create_schedule(db, who, ScheduleCreate(name="MF Väg"))
    heading = service.create_row(
        db, who, schedule.id, RowCreate(kind="heading", title="Markarbeten")
    )
    item = service.create_row(
        db,
        who,
        schedule.id,
        RowCreate.model_validate(
            {
                "kind": "item",
                "title": "Schakt",
                "parent_id": str(heading.id),
                "unit": "m3",
                "quantity": "12.500",
                "unit_price": "80.00",
            }
        ),
    )
    return schedule.id, {"heading": str(heading.id), "item": str(item.id)}


def test_a_schedule_and_its_rows_are_created_and_read_without_http(editor: Editor) -> None:
    schedule_id, ids = _schedule_with_an_item(editor)
    editor.db.commit()
    audit.forward_recorded(editor.db)

    document = json.loads(service.list_rows(editor.db, editor.who, schedule_id, None))
    rows = [(r["id"], r["depth"], r["title"], r["amount"]) for r in document["items"]]
    assert rows == [(ids["heading"], 0, "Markarbeten", None), (ids["item"], 1, "Schakt", "1000.00")]
    schedule = service.get_schedule(editor.db, editor.who, schedule_id)
    assert schedule.created_at.tzinfo is UTC  # UtcDateTime: aware from SQLite too

    events, _ = audit.read(audit.project(editor.who.project.id), 10, None)
    assert [e.action for e in events] == ["rows_changed", "rows_changed", "schedule_created"]
    assert {e.actor_id for e in events} == {str(editor.who.caller.user.id)}
    assert {e.ip for e in events} == {"192.0.2.7"}


def test_a_single_row_edit_is_refused_naming_the_field_sent(editor: Editor) -> None:
    schedule_id, ids = _schedule_with_an_item(editor)
    row_id = uuid.UUID(ids["item"])
    with pytest.raises(Problem) as refused:
        service.update_row(
            editor.db, editor.who, schedule_id, row_id, '"1"', RowPatch(unit="furlong")
        )
    assert refused.value.status == 400
    assert refused.value.errors == [
        FieldError("unit", FieldProblem.UNKNOWN, "Unknown unit 'furlong'; see GET /api/units.")
    ]
    assert "operation_index" not in refused.value.extra


def test_if_match_is_checked_by_the_service(editor: Editor) -> None:
    schedule_id, ids = _schedule_with_an_item(editor)
    row_id = uuid.UUID(ids["item"])
    patch = RowPatch(title="Schakt, jord")
    for sent, status in ((None, 428), ('"7"', 412)):
        with pytest.raises(Problem) as refused:
            service.update_row(editor.db, editor.who, schedule_id, row_id, sent, patch)
        assert refused.value.status == status
    changed = service.update_row(editor.db, editor.who, schedule_id, row_id, '"1"', patch)
    assert (changed.title, changed.version) == ("Schakt, jord", 2)


def test_the_service_imports_nothing_of_http() -> None:
    """In a fresh interpreter: what quantities.service pulls in leaves shared.http out."""
    check = "import sys, quantities.service; print('shared.http' in sys.modules)"
    found = subprocess.run(
        [sys.executable, "-c", check], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "False"
