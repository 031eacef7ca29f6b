"""The projects services called directly, as a timer or a script would: no HTTP request.

A SQLite database made from the models, the settings of a test process, and the audit
trail kept in a list instead of Table storage.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

# Every module whose tables register on Base.metadata (as migrations/env.py imports them).
import auth.models
import projects.models  # noqa: F401
import quantities.models  # noqa: F401
import shared.throttle
from auth.sessions import Principal
from projects import invitations, organisations, service
from projects.access import org_access, project_access
from projects.permissions import Permission
from projects.schemas import AcceptIn, InvitationCreate, OrgCreate, ProjectCreate
from shared import audit, clock
from shared.client import Client
from shared.config import get_settings
from shared.db import Base
from shared.pagination import PageQuery

CLIENT = Client(ip="203.0.113.7", user_agent="a script")


@dataclass(frozen=True)
class Event:
    trail: str
    action: str
    actor: audit.Actor
    target: object
    details: dict[str, Any]


@pytest.fixture(autouse=True)
def settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """A test process's settings (get_settings is cached: cleared on both sides)."""
    for name in [n for n in os.environ if n.startswith("CASAI_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CASAI_ENVIRONMENT", "test")
    monkeypatch.setenv("CASAI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CASAI_EMAIL_BACKEND", "outbox")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Session]:
    engine = create_engine(f"sqlite:///{tmp_path / 'casai.db'}")
    Base.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


@pytest.fixture
def trail(monkeypatch: pytest.MonkeyPatch) -> list[Event]:
    """The audit events the services record, in order."""
    events: list[Event] = []

    def record(
        _db: Session,
        trail: str,
        action: str,
        who: audit.Actor,
        *,
        target: object = None,
        **details: Any,
    ) -> None:
        events.append(Event(trail, action, who, target, details))

    monkeypatch.setattr(audit, "record", record)
    return events


def account(db: Session, name: str) -> Principal:
    """Someone signed in with a password only, calling from CLIENT."""
    now = clock.now()
    user = auth.models.User(
        email=f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.se",  # stored lower-case
        display_name=name,
        password_hash="not used here",
        locale="en",
        email_verified_at=now,
        created_at=now,
    )
    db.add(user)
    db.flush()
    session = auth.models.UserSession(
        user_id=user.id,
        token_hash=uuid.uuid4().hex,
        csrf_token=uuid.uuid4().hex,
        factors="password",
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=1),
    )
    db.add(session)
    db.flush()
    return Principal(user, session, CLIENT)


def test_creating_an_org_and_a_project_makes_the_creator_owner(
    db: Session, trail: list[Event]
) -> None:
    owner = account(db, "Owner")
    org = organisations.create_org(db, owner, OrgCreate(name="Bygg AB"))
    project = service.create_project(db, owner, ProjectCreate(org_id=org.id, name="Skolan"))
    db.commit()

    assert org.my_org_role == "admin"
    assert project.my_role.key == "owner"
    assert project.my_permissions == sorted(Permission)
    assert project.mfa_satisfied
    assert [(e.trail, e.action) for e in trail] == [
        (audit.org(org.id), "org_created"),
        (audit.project(project.id), "project_created"),
    ]
    assert {e.actor for e in trail} == {audit.Actor(owner.user.id, CLIENT)}
    db.expire_all()  # read back from the database: times come back in UTC on SQLite too
    again = service.get_project(project_access(db, owner, project.id))
    assert again.created_at == project.created_at
    assert again.created_at.tzinfo == UTC


def test_an_invitation_listed_and_accepted_by_id_joins_project_and_org(
    db: Session, trail: list[Event]
) -> None:
    owner = account(db, "Owner")
    org = organisations.create_org(db, owner, OrgCreate(name="Bygg AB"))
    project = service.create_project(db, owner, ProjectCreate(org_id=org.id, name="Skolan"))
    roles = organisations.list_roles(db, org_access(db, owner, org.id)).items
    viewer = next(r for r in roles if r.key == "viewer")
    invitee = account(db, "Invitee")
    sent = invitations.create_invitation(
        db,
        project_access(db, owner, project.id),
        InvitationCreate(email=invitee.user.email, role_id=viewer.id),
    )

    listed = invitations.list_invitations(db, project_access(db, owner, project.id), PageQuery())
    assert [(i.id, i.invited_by, i.role.id) for i in listed.items] == [
        (sent.id, "Owner", viewer.id)
    ]
    mine = invitations.my_invitations(db, invitee)
    assert [(i.id, i.project_name, i.org_name) for i in mine.items] == [
        (sent.id, "Skolan", "Bygg AB")
    ]
    accepted = invitations.accept_invitation(db, invitee, AcceptIn(invitation_id=sent.id))
    db.commit()

    assert accepted.project.id == project.id
    members = service.list_members(db, project_access(db, owner, project.id), PageQuery())
    assert {m.user_id for m in members.items} == {owner.user.id, invitee.user.id}
    org_members = organisations.list_org_members(db, org_access(db, owner, org.id), PageQuery())
    assert {(m.user_id, m.org_role) for m in org_members.items} == {
        (owner.user.id, "admin"),
        (invitee.user.id, "member"),
    }
    assert trail[-1].action == "invitation_accepted"
    assert trail[-1].actor.user_id == invitee.user.id


def test_the_invitation_timer_purges_its_limits_old_counts(db: Session) -> None:
    limit = invitations.INVITES_PER_INVITER
    stale = clock.now() - limit.window - timedelta(minutes=1)
    db.add(shared.throttle.ThrottleEvent(key=limit.key("someone"), at=stale))
    limit.hit(db, "someone")
    # Another area's count: its own timer purges it.
    db.add(shared.throttle.ThrottleEvent(key="elsewhere:someone", at=stale))

    invitations.expire_invitations(db)
    db.commit()

    keys = db.scalars(select(shared.throttle.ThrottleEvent.key)).all()
    assert sorted(keys) == ["elsewhere:someone", limit.key("someone")]
