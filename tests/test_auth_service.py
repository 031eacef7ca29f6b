"""The sign-in services called directly, as a timer or a script would: a database
session, who is calling (a `Principal`, or the `Client` of an anonymous request) and
plain values, with no HTTP request anywhere.

The database is SQLite made from the models; e-mails go to the outbox and the audit
trail to the Azurite the test session starts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy.orm import Session

# Every module whose tables register on Base.metadata, so create_all makes them all.
import auth.models  # noqa: F401
import projects.models  # noqa: F401
import quantities.models  # noqa: F401
import shared.throttle  # noqa: F401
from auth import otp, service, sessions
from auth.schemas import (
    Authenticated,
    LoginIn,
    PasswordChangeIn,
    RegisterIn,
    VerifyEmailIn,
)
from auth.sessions import Principal
from shared import audit, throttle
from shared.client import Client
from shared.config import get_settings
from shared.db import Base, build_engine
from shared.problems import Problem
from tests.accounts import PASSWORD, last_code, unique_email

BROWSER = Client(ip="203.0.113.7", user_agent="Firefox/140.0")
Result = TypeVar("Result")


@pytest.fixture
def db(app_settings: dict[str, str]) -> Iterator[Session]:
    engine = build_engine(app_settings["CASAI_DATABASE_URL"], get_settings())
    Base.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


def as_a_script(db: Session, work: Callable[[], Result]) -> Result:
    """Run a service as its caller must: commit on success, and on a refusal commit only
    what the refusal keeps (a counted failure), then forward the audit events, as the
    HTTP wrapper does."""
    try:
        result = work()
    except Problem as problem:
        if problem.keep_writes:
            db.commit()
            audit.forward_recorded(db)
        else:
            db.rollback()
        raise
    db.commit()
    audit.forward_recorded(db)
    return result


def new_account(db: Session, outbox: Path) -> str:
    address = unique_email("service")
    registration = RegisterIn(email=address, password=PASSWORD, display_name="Åsa Öberg")
    as_a_script(db, lambda: service.register(db, BROWSER, registration))
    proof = VerifyEmailIn(email=address, code=last_code(outbox, address), password=PASSWORD)
    as_a_script(db, lambda: service.verify_email(db, BROWSER, proof))
    return address


def signed_in(db: Session, address: str) -> Principal:
    signed = as_a_script(
        db, lambda: service.login(db, BROWSER, LoginIn(email=address, password=PASSWORD), None)
    )
    assert signed.session_token is not None
    found = sessions.find(db, signed.session_token)
    assert found is not None
    user, session = found
    return Principal(user, session, BROWSER)


def test_a_registered_address_signs_in_and_gets_its_cookie_values(
    db: Session, app_settings: dict[str, str]
) -> None:
    address = new_account(db, Path(app_settings["CASAI_DATA_DIR"]) / "outbox")
    signed = as_a_script(
        db, lambda: service.login(db, BROWSER, LoginIn(email=address, password=PASSWORD), None)
    )
    answer = signed.answer.root
    assert isinstance(answer, Authenticated)
    assert signed.session_token is not None
    assert signed.device_token is not None
    found = sessions.find(db, signed.session_token)
    assert found is not None
    user, session = found
    assert (user.email, session.id, session.ip) == (address, answer.session.id, BROWSER.ip)
    assert session.user_agent == BROWSER.user_agent
    assert sessions.is_trusted_device(signed.device_token, user)
    events, _ = audit.read(audit.user(user.id), 10, None)
    assert [e.action for e in events][:1] == ["login_succeeded"]
    assert events[0].ip == BROWSER.ip


def test_failed_sign_ins_are_kept_and_delay_the_address_but_not_a_trusted_browser(
    db: Session, app_settings: dict[str, str]
) -> None:
    address = new_account(db, Path(app_settings["CASAI_DATA_DIR"]) / "outbox")
    trusted = as_a_script(
        db, lambda: service.login(db, BROWSER, LoginIn(email=address, password=PASSWORD), None)
    ).device_token
    wrong = LoginIn(email=address, password="not the password at all")
    for _ in range(service.LOGIN_FAILURES.most):
        with pytest.raises(Problem) as refused:
            as_a_script(db, lambda: service.login(db, BROWSER, wrong, None))
        assert (refused.value.status, refused.value.keep_writes) == (401, True)
    right = LoginIn(email=address, password=PASSWORD)
    with pytest.raises(Problem) as delayed:
        as_a_script(db, lambda: service.login(db, BROWSER, right, None))
    assert delayed.value.code == "rate_limited"
    assert as_a_script(db, lambda: service.login(db, BROWSER, right, trusted)).session_token


def test_a_wrong_current_password_is_refused_and_counted(
    db: Session, app_settings: dict[str, str]
) -> None:
    address = new_account(db, Path(app_settings["CASAI_DATA_DIR"]) / "outbox")
    me = signed_in(db, address)
    new_password = "ett helt nytt lösenord"
    wrong = PasswordChangeIn(current_password="not it", new_password=new_password)
    with pytest.raises(Problem) as refused:
        as_a_script(db, lambda: service.change_password(db, me, wrong))
    assert (refused.value.status, refused.value.code) == (403, "invalid_credentials")
    failures = service.LOGIN_FAILURES.key(otp.address_subject(address))
    assert throttle.count(db, failures, service.LOGIN_FAILURES.window) == 1
    events, _ = audit.read(audit.user(me.user.id), 10, None)
    assert events[0].action == "password_check_failed"
    right = PasswordChangeIn(current_password=PASSWORD, new_password=new_password)
    as_a_script(db, lambda: service.change_password(db, me, right))
    with pytest.raises(Problem):
        as_a_script(
            db, lambda: service.login(db, BROWSER, LoginIn(email=address, password=PASSWORD), None)
        )
    fresh = LoginIn(email=address, password=new_password)
    assert as_a_script(db, lambda: service.login(db, BROWSER, fresh, None)).session_token
