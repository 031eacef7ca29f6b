"""schemathesis hooks: a signed-in owner, real ids in paths, and a world that heals.

Loaded by `st run` (SCHEMATHESIS_HOOKS=tests.fuzz.hooks, from the repository root) in
the process of the fuzzer, against the dev host named by CASAI_FUZZ_BASE_URL, whose
outbox is CASAI_FUZZ_OUTBOX. It makes, through the API as any client would:

- an account that owns an organisation (with a custom role), a project in it with a
  pending invitation and a file, and a schedule with rows; signed in with a password
  and stepped up with an e-mail code, so the operations that need a second factor
  (an authenticator app's set-up, recovery codes) are reached too;
- the session's cookie and CSRF token on every operation that declares security
  (`auth`); anonymous operations go without;
- real ids for path parameters and body fields (`before_call`): a generated UUID the
  server never handed out is replaced by the world's id of that name, so each operation is tried on
  something that exists; an id the server did hand out (a link of the stateful phase,
  a created resource) is kept;
- what the fuzzer destroys is made again (`after_call`): a deleted organisation,
  project, schedule, row, role, invitation or file, a project that now requires 2FA,
  an ended session, a deleted account, an account over one of its limits (a new owner
  then). Nothing is excluded from the fuzzing for it.
"""

from __future__ import annotations

import email
import os
import re
import secrets
import threading
import time
import uuid
from email.policy import default
from pathlib import Path
from typing import Any

import httpx
import schemathesis

COOKIE = "__Host-casai_session"
DEVICE_COOKIE = "__Host-casai_device"
PASSWORD = "fuzz " + secrets.token_hex(8)
PDF = b"%PDF-1.7\n" + b"fuzzed file\n" * 20
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Which world id each path parameter takes; user_id is the owner's own.
PATH_IDS = (
    "org_id",
    "role_id",
    "project_id",
    "invitation_id",
    "file_id",
    "schedule_id",
    "row_id",
    "user_id",
    "session_id",
)


class ThrottledError(Exception):
    """The API answered 429: the owner's account is over one of its limits (failed
    sign-ins, invitations sent, codes e-mailed)."""


class World:
    """One owner and what it owns, made through the API; remade when the fuzzer ends it."""

    def __init__(self, base_url: str, outbox: Path) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self.outbox = outbox
        self.lock = threading.RLock()
        self.ids: dict[str, str] = {}
        self.cookie = ""
        self.device = ""
        self.csrf = ""
        self.email = ""
        self.handed_out: set[str] = set()  # every id a response of the run named

    # --- requests as the owner -----------------------------------------------------

    def call(self, method: str, path: str, **options: Any) -> httpx.Response:
        headers = {"Cookie": f"{COOKIE}={self.cookie}", "X-CSRF-Token": self.csrf}
        return self.http.request(method, f"/api/{path}", headers=headers, **options)

    def made(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        response = self.call(method, path, json=body)
        if response.status_code == 429:
            raise ThrottledError(f"{method} {path}")
        if response.status_code not in (200, 201):
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        answer: dict[str, Any] = response.json()
        return answer

    # --- the owner ------------------------------------------------------------------

    def sign_up(self) -> None:
        self.email = f"fuzz-{secrets.token_hex(5)}@example.se"
        before = self._mail()
        registered = self.http.post(
            "/api/auth/register",
            json={"email": self.email, "password": PASSWORD, "display_name": "Fuzz Ägare"},
        )
        assert registered.status_code == 202, registered.text
        verified = self.http.post(
            "/api/auth/verify-email",
            json={"email": self.email, "code": self._new_code(before), "password": PASSWORD},
        )
        assert verified.status_code == 200, verified.text
        self.sign_in()

    def sign_in(self) -> None:
        before = self._mail()
        # The trusted-device cookie of the last sign-in, as a browser keeps it: a device
        # that signed in before is not held back by the fuzzer's failed sign-ins.
        response = self.http.post(
            "/api/auth/login",
            json={"email": self.email, "password": PASSWORD},
            headers={"Cookie": f"{DEVICE_COOKIE}={self.device}"} if self.device else {},
        )
        if response.status_code == 429:
            raise ThrottledError
        if response.status_code != 200:
            raise RuntimeError(f"sign-in: {response.status_code} {response.text}")
        body = response.json()
        if body["status"] == "otp_required":  # the fuzzer turned e-mail codes on
            code = {"challenge_id": body["challenge_id"], "code": self._new_code(before)}
            response = self.http.post("/api/auth/otp/verify", json=code)
            body = response.json()
        self._take_session(response)
        if not body["session"]["mfa"]:
            self._step_up()

    def _step_up(self) -> None:
        """A second factor, as a careful user has; none while the fuzzer has used up the
        account's e-mailed codes (429), and the operations needing it answer so."""
        before = self._mail()
        challenge = self.call("POST", "auth/step-up")
        if challenge.status_code == 429:
            return
        sent = {"challenge_id": challenge.json()["challenge_id"], "code": self._new_code(before)}
        self._take_session(self.call("POST", "auth/otp/verify", json=sent))

    def _take_session(self, signed_in: httpx.Response) -> None:
        """Keep the session a sign-in (or a step-up, which renews it) answered with."""
        if signed_in.status_code != 200:
            raise RuntimeError(f"sign-in: {signed_in.status_code} {signed_in.text}")
        body = signed_in.json()
        self.cookie = _cookie(signed_in, COOKIE) or ""
        self.device = _cookie(signed_in, DEVICE_COOKIE) or self.device
        self.csrf = body["csrf_token"]
        self.ids["session_id"] = body["session"]["id"]
        self.ids["user_id"] = body["user"]["id"]

    def new_owner(self) -> None:
        self.sign_up()
        self.build_org()

    def _mail(self) -> set[Path]:
        return set(self.outbox.glob("*.eml")) if self.outbox.exists() else set()

    def _new_code(self, before: set[Path]) -> str:
        """The code of the first message to the owner not among `before`; the outbox may
        be written just after the answer, so it is looked at again for a while."""
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            for path in sorted(self._mail() - before):
                message = email.message_from_bytes(path.read_bytes(), policy=default)
                body = message.get_body(("plain",))
                if self.email in str(message["To"]) and body is not None:
                    found = re.search(r"\b(\d{6})\b", str(body.get_content()))
                    if found:
                        return found.group(1)
            time.sleep(0.1)
        raise RuntimeError(f"no new code for {self.email}")

    # --- what it owns ---------------------------------------------------------------

    def build_org(self) -> None:
        self.ids["org_id"] = self.made("POST", "orgs", {"name": "Fuzz Bygg AB"})["id"]
        self.build_role()
        self.build_project()

    def build_role(self) -> None:
        role = {"name_sv": "Granskare", "name_en": "Reviewer", "permissions": ["project.view"]}
        self.ids["role_id"] = self.made("POST", f"orgs/{self.ids['org_id']}/roles", role)["id"]

    def build_project(self) -> None:
        project = {"org_id": self.ids["org_id"], "name": "Kv. Björken", "number": "F-1"}
        self.ids["project_id"] = self.made("POST", "projects", project)["id"]
        self.build_invitation()
        self.build_file()
        self.build_schedule()

    def build_invitation(self) -> None:
        invited = {"email": f"inbjuden-{secrets.token_hex(4)}@example.se"}
        invited["role_id"] = self.ids["role_id"]
        path = f"projects/{self.ids['project_id']}/invitations"
        self.ids["invitation_id"] = self.made("POST", path, invited)["id"]

    def build_file(self) -> None:
        files = f"projects/{self.ids['project_id']}/files"
        upload = self.made(
            "POST",
            files,
            {"filename": "ritning.pdf", "content_type": "application/pdf", "size": len(PDF)},
        )
        put = httpx.put(upload["upload_url"], content=PDF, headers=upload["upload_headers"])
        assert put.status_code == 201, put.text
        self.made("POST", f"{files}/{upload['id']}/complete")
        self.ids["file_id"] = upload["id"]

    def build_schedule(self) -> None:
        schedules = f"projects/{self.ids['project_id']}/schedules"
        schedule = self.made("POST", schedules, {"name": "Mängdförteckning A"})
        self.ids["schedule_id"] = schedule["id"]
        self.build_rows()

    def build_rows(self) -> None:
        heading, item = str(uuid.uuid4()), str(uuid.uuid4())
        operations = [
            {"op": "create", "id": heading, "kind": "heading", "title": "Markarbeten"},
            {
                "op": "create",
                "id": item,
                "kind": "item",
                "parent_id": heading,
                "title": "Schakt",
                "unit": "m3",
                "quantity": "120.000",
                "unit_price": "85.50",
            },
        ]
        path = f"projects/{self.ids['project_id']}/schedules/{self.ids['schedule_id']}/rows"
        self.made("POST", f"{path}/batch", {"operations": operations})
        self.ids["row_id"] = item

    # --- healing --------------------------------------------------------------------

    def heal(self, method: str, path: str, status: int, sent: dict[str, Any]) -> None:
        """Make again what a successful request of the fuzzer ended."""
        if not 200 <= status < 300:
            return
        with self.lock:
            try:
                self._heal(method, path, sent)
            except ThrottledError:  # the fuzzer used up this owner's limits: a new one
                self.new_owner()  # (the limits of this address too: the run shows it)

    def _heal(self, method: str, path: str, sent: dict[str, Any]) -> None:
        if path == "/auth/logout" or (
            method == "DELETE" and sent.get("session_id") == self.ids["session_id"]
        ):
            self.sign_in()
        elif method == "DELETE" and path == "/me":
            self.new_owner()
        elif method == "DELETE":
            self._rebuild_deleted(path, sent)
        elif method == "PUT" and path.endswith("/security"):
            self.build_project()  # the fuzzer's policy may shut the owner out

    def _rebuild_deleted(self, path: str, sent: dict[str, Any]) -> None:
        last = path.rstrip("/").rsplit("/", 1)[-1].strip("{}")
        builders = {
            "org_id": self.build_org,
            "role_id": self.build_role,
            "project_id": self.build_project,
            "invitation_id": self.build_invitation,
            "file_id": self.build_file,
            "schedule_id": self.build_schedule,
            "row_id": self.build_rows,
        }
        if last in builders and sent.get(last) == self.ids.get(last):
            builders[last]()


def _cookie(response: httpx.Response, wanted: str) -> str | None:
    for value in response.headers.get_list("set-cookie"):
        name, _, rest = value.partition("=")
        if name == wanted:
            return rest.split(";", 1)[0]
    return None


WORLD = World(os.environ["CASAI_FUZZ_BASE_URL"], Path(os.environ["CASAI_FUZZ_OUTBOX"]))
WORLD.new_owner()


def _declares_security(case: schemathesis.Case[Any]) -> bool:
    return bool(case.operation.definition.raw.get("security"))


@schemathesis.auth(refresh_interval=None, retry_on=[])
class OwnerSession:
    """The owner's session on every operation that declares one."""

    def get(self, case: schemathesis.Case[Any], ctx: schemathesis.AuthContext) -> tuple[str, str]:
        with WORLD.lock:
            return WORLD.cookie, WORLD.csrf

    def set(
        self, case: schemathesis.Case[Any], data: tuple[str, str], ctx: schemathesis.AuthContext
    ) -> None:
        if not _declares_security(case):
            return
        cookie, csrf = data
        case.cookies[COOKIE] = cookie
        case.headers["X-CSRF-Token"] = csrf


def _with_real_ids(values: dict[str, Any]) -> None:
    """Replace each made-up id among `values` by the world's id of that name."""
    for name, value in values.items():
        known = WORLD.ids.get(name)
        made_up = isinstance(value, str) and UUID.fullmatch(value) and value not in WORLD.handed_out
        if known and made_up:
            values[name] = known


@schemathesis.hook
def before_call(ctx: schemathesis.HookContext, case: schemathesis.Case[Any], **kwargs: Any) -> None:
    with WORLD.lock:
        _with_real_ids(case.path_parameters or {})
        if isinstance(case.body, dict):  # e.g. an invitation's role_id
            _with_real_ids(case.body)


@schemathesis.hook
def after_call(
    ctx: schemathesis.HookContext, case: schemathesis.Case[Any], response: schemathesis.Response
) -> None:
    with WORLD.lock:
        if 200 <= response.status_code < 300:
            # A file answer (a CSV export) need not be UTF-8.
            WORLD.handed_out.update(UUID.findall(response.content.decode("utf-8", "replace")))
    sent = dict(case.path_parameters or {})
    WORLD.heal(case.method.upper(), case.path, response.status_code, sent)


# What the server may refuse in a request its schema accepts, because no schema can
# know it; the fuzzer's `valid_data_is_accepted` allows these and nothing else.
REFUSED_ALTHOUGH_VALID_CODES = {
    "invalid_code": "a code is a secret: only the one the server sent is right",
    "challenge_expired": "a challenge the server did not open, or that ended, is gone",
    "precondition_failed": "a version that is no longer the current one",
}
REFUSED_ALTHOUGH_VALID_FIELDS = {
    "cursor": "a list takes back only the cursors it handed out (signed)",
    "role_id": "a role of another organisation, or none at all",
    "unit": "a unit is one of GET /units, data the schema does not hold",
    "password": "a common password, or the account's own name, is refused",
    "new_password": "a common password, or the account's own name, is refused",
}
# Operations whose body is a file: its content (a sheet and its header row) is no
# schema's to say, so any 400 about it is a right answer.
FILE_CONTENT = frozenset({"import_rows"})
# Edits of a row that exists: its fields must suit the kind and entry rule it has.
ROW_EDITS = frozenset({"update_row", "batch"})
ROW_FIELDS = frozenset({"quantity", "unit_price", "amount", "unit", "entry_rule"})


def _refused_fields(problem: dict[str, Any]) -> set[str]:
    return {str(error.get("field", "")).rsplit(".", 1)[-1] for error in problem.get("errors", [])}


@schemathesis.check
def valid_data_is_accepted(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    """schemathesis's positive_data_acceptance, allowing only the refusals above."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code < 400:
        return None
    if response.status_code in (401, 403, 404, 409, 429) or response.status_code >= 500:
        return None  # as positive_data_acceptance: credentials, existence, state, limits
    try:
        problem = response.json()
    except ValueError:
        problem = {}
    code = problem.get("code") if isinstance(problem, dict) else None
    operation = case.operation.definition.raw.get("operationId")
    if code in REFUSED_ALTHOUGH_VALID_CODES or (
        code == "validation_error" and operation in FILE_CONTENT
    ):
        return None
    fields = _refused_fields(problem) if isinstance(problem, dict) else set()
    allowed = set(REFUSED_ALTHOUGH_VALID_FIELDS)
    if operation in ROW_EDITS:
        allowed |= ROW_FIELDS
    if fields and fields <= allowed:
        return None
    raise AssertionError(
        f"Valid data should have been accepted, got {response.status_code} {code}: "
        f"{problem.get('detail') if isinstance(problem, dict) else response.text[:200]}"
    )
