"""Load: 50 clients editing one 2,000-row schedule through the dev host on PostgreSQL.

    .venv/bin/python -m bench.load                          (or: make load)
    .venv/bin/python -m bench.load --seconds 30 --clients 50
    make load LOAD_ARGS="--seconds 30"

Not part of `make test`. Loopback only: the dev host listens on 127.0.0.1 and the
PostgreSQL server must be local too (CASAI_TEST_POSTGRES_URL, else
postgresql+psycopg://postgres@127.0.0.1:5432/test); the run creates a database of its
own there and drops it after. Bounded in time: `--seconds` (default 60) of load after
the set-up, every client request with a 30 s timeout.

Set-up (not timed): an owner with a project and a 2,000-row schedule (one batch; 25
headings of 79 items), and one account per client, invited into the project as an
editor; every 5th account signs in with an e-mail code (a second factor).

Timed, each client on its own connection, in a closed loop (`--think-ms` between
requests, default none): the code-signing clients sign in first (password, then the
code from the outbox) and again every 20 s; then each lists projects, reads the
schedule's rows and summary (as the editor opens it), and edits: PATCH one item's
quantity and note with If-Match, three in four on rows of its own, one in four on 20
rows all clients share (colliding on purpose: a stale version answers 412 with the
current row, and the client retries once with it). Every 10th edit it reads the
summary again, every 25th lists projects, every 50th reads all rows again.

Reported: req/s and client-side p50/p95/p99 per endpoint, status counts, and from
the app's request log lines (bench/serverlog.py) where the time goes: waiting for a
pool connection (`pool_wait_ms`), waiting for the schedule's lock (`lock_wait_ms`),
working (the rest of `duration_ms`).

Must hold (printed PASS/FAIL; the exit code is non-zero when any fails):
- no 5xx answer, and no request without an answer;
- ≥ 50 PATCH/s answered (2xx or 412) on the one schedule;
- pool-connection wait p95 ≤ 10 ms over all requests of the timed phase;
- nothing lost, checked at the end in the database itself: every row equals its last
  2xx edit (or its first state, if none); no 412 changed anything (each row's version
  rose exactly once per 2xx edit of it); the audit holds exactly one `rows_changed`
  event for the schedule per committed edit, plus the set-up batch's (forwarded to
  Table storage, or still in the SQL outbox `audit_outbox`).

The log fields are required: a run whose log lines lack `pool_wait_ms`,
`lock_wait_ms` or `status` fails, unless `--allow-missing-log-fields` (development
against an app that does not log them yet) marks those checks SKIP.
"""

from __future__ import annotations

import argparse
import email
import os
import random
import re
import secrets
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import httpx
from azure.data.tables import TableClient
from sqlalchemy import create_engine, make_url, text

from bench.bench_edits import operations
from bench.serverlog import RequestLine, by_request_id, ms, percentile, request_lines
from devhost import azurite
from tests.accounts import Account, Browser, join, new_team, signed_up, text_of, with_email_otp
from tests.conftest import PLAIN_DEVHOST, Host, app_environment, running_host, start_storage

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
CLIENTS = 50
SECONDS = 60.0
ROWS = 2_000  # 25 headings of 79 items, as bench_edits builds them
HOT_ROWS = 20  # shared by every client: the collisions
COLLIDE = 0.25  # share of edits on the shared rows
CODE_SIGN_IN_EVERY = 5  # every 5th client signs in with an e-mail code
SIGN_IN_AGAIN_S = 20.0
MAX_SIGN_INS = 3  # the app sends at most 5 sign-in codes per account and window
SUMMARY_EVERY, PROJECTS_EVERY, ROWS_EVERY = 10, 25, 50
TIMEOUT_S = 30.0

PATCH_RATE_BUDGET = 50.0  # answered PATCH/s, at least
POOL_WAIT_BUDGET_MS = 10.0  # p95, at most
SETUP_BATCHES = 1  # rows_changed events the set-up wrote for the schedule
REQUIRED_FIELDS = ("status", "pool_wait_ms", "lock_wait_ms")


# --- set-up ---------------------------------------------------------------------


def loopback_postgres_url() -> str:
    url = os.environ.get("CASAI_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit(f"the load runs on PostgreSQL, not {parsed.get_backend_name()}")
    if parsed.host not in LOOPBACK | {None}:
        raise SystemExit(f"loopback only: {parsed.host} is not this machine")
    return url


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new database on the server, dropped after (as tests/conftest.py makes them)."""
    name = f"casai_load_{secrets.token_hex(6)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass(frozen=True)
class Schedule:
    project_id: str
    id: str
    revision_id: str
    base: str  # its URL path
    initial: dict[str, dict[str, Any]]  # item id → the row as first read


@dataclass
class Member:
    index: int
    account: Account
    http: httpx.Client
    signs_in_with_code: bool


def set_up(host: Host, owner_client: httpx.Client, clients: int) -> tuple[Schedule, list[Member]]:
    team = new_team(host, owner_client, "load-owner")
    owner = team.owner
    created = owner.browser.post(
        f"/api/projects/{team.project_id}/schedules", json={"name": "Last 2 000 rader"}
    )
    assert created.status_code == 201, created.text
    schedule_id = created.json()["id"]
    base = f"/api/projects/{team.project_id}/schedules/{schedule_id}"
    batch = owner.browser.post(f"{base}/rows/batch", json={"operations": operations(ROWS)})
    assert batch.status_code == 200, batch.text
    rows = owner.browser.get(f"{base}/rows").json()["items"]
    schedule = Schedule(
        project_id=team.project_id,
        id=schedule_id,
        revision_id=created.json()["working_revision_id"],
        base=base,
        initial={row["id"]: row for row in rows if row["kind"] == "item"},
    )

    def account(index: int) -> Member:
        http = httpx.Client(base_url=host.base_url, timeout=TIMEOUT_S)
        return Member(
            index, signed_up(host, http, f"load{index:02d}"), http, index % CODE_SIGN_IN_EVERY == 0
        )

    with ThreadPoolExecutor(max_workers=4) as pool:  # argon2 releases the GIL
        members = list(pool.map(account, range(clients)))
    for member in members:
        join(host, owner, team.project_id, member.account, team.roles["editor"])
        if member.signs_in_with_code:
            with_email_otp(host, member.account)
    return schedule, members


class Codes:
    """The newest e-mail code per address in the outbox, each file read once."""

    def __init__(self, outbox: Path) -> None:
        self._outbox = outbox
        self._read: dict[str, tuple[str, str]] = {}  # file name → (To, code or "")
        self._lock = threading.Lock()

    def latest(self, address: str) -> str | None:
        with self._lock:
            for path in self._outbox.glob("*.eml"):
                if path.name not in self._read:
                    message = email.message_from_bytes(path.read_bytes(), policy=default)
                    assert isinstance(message, EmailMessage)
                    found = re.search(r"\b(\d{6})\b", text_of(message))
                    self._read[path.name] = (str(message["To"]), found.group(1) if found else "")
            mine = [
                code for name, (to, code) in sorted(self._read.items()) if address in to and code
            ]
        return mine[-1] if mine else None


# --- the clients ----------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    endpoint: str
    status: int | None  # None: no answer (a transport error)
    ms: float
    request_id: str


@dataclass
class Ledger:
    """What the clients were told was committed: per row, the newest 2xx answer."""

    last: dict[str, dict[str, Any]] = field(default_factory=dict)
    committed: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def edited(self, row: dict[str, Any]) -> None:
        with self.lock:
            self.committed[row["id"]] += 1
            if row["id"] not in self.last or row["version"] > self.last[row["id"]]["version"]:
                self.last[row["id"]] = row

    def stale(self, row_id: str) -> None:
        with self.lock:
            self.refused[row_id] += 1


class Client:
    def __init__(
        self,
        member: Member,
        schedule: Schedule,
        own: list[str],
        hot: list[str],
        ledger: Ledger,
        codes: Codes,
        think_s: float,
    ) -> None:
        self.member = member
        self.browser = member.account.browser
        self.schedule = schedule
        self.own, self.hot = own, hot
        self.ledger, self.codes = ledger, codes
        self.think_s = think_s
        self.random = random.Random(member.index)  # noqa: S311 (a reproducible mix)
        self.versions = {row: schedule.initial[row]["version"] for row in own + hot}
        self.samples: list[Sample] = []
        self.errors: list[str] = []
        self.sequence = 0
        self.sign_ins = 0
        self.signed_in_at = 0.0

    def send(
        self, endpoint: str, method: str, path: str, browser: Browser | None = None, **options: Any
    ) -> httpx.Response | None:
        request_id = f"load-{self.member.index:03d}-{self.sequence:06d}"
        self.sequence += 1
        headers = {"X-Request-Id": request_id, **options.pop("headers", {})}
        started = time.perf_counter()
        try:
            response = (browser or self.browser).request(method, path, headers=headers, **options)
        except httpx.HTTPError as error:
            elapsed = (time.perf_counter() - started) * 1000
            self.samples.append(Sample(endpoint, None, elapsed, request_id))
            self.errors.append(f"{endpoint}: {error!r}")
            return None
        elapsed = (time.perf_counter() - started) * 1000
        self.samples.append(Sample(endpoint, response.status_code, elapsed, request_id))
        return response

    def sign_in_with_code(self) -> None:
        """Sign in anew: password, then the code the app e-mailed."""
        self.sign_ins += 1
        self.signed_in_at = time.monotonic()
        browser = Browser(self.member.http)
        account = self.member.account
        login = self.send(
            "sign in: password",
            "POST",
            "/api/auth/login",
            browser,
            json={"email": account.email, "password": account.password},
        )
        if login is None or login.status_code != 200 or login.json()["status"] != "otp_required":
            return
        code = self.codes.latest(account.email)
        if code is None:
            self.errors.append(f"no sign-in code for {account.email}")
            return
        verified = self.send(
            "sign in: e-mail code",
            "POST",
            "/api/auth/otp/verify",
            browser,
            json={"challenge_id": login.json()["challenge_id"], "code": code},
        )
        if verified is not None and verified.status_code == 200:
            self.browser = browser

    def read_rows(self) -> None:
        response = self.send("read rows", "GET", f"{self.schedule.base}/rows")
        if response is not None and response.status_code == 200:
            for row in response.json()["items"]:
                if row["id"] in self.versions:
                    self.versions[row["id"]] = row["version"]

    def summary(self) -> None:
        self.send("summary", "GET", f"{self.schedule.base}/summary")

    def list_projects(self) -> None:
        self.send("list projects", "GET", "/api/projects")

    def edit(self) -> None:
        """PATCH one row; on 412 take the current version it carries and try once more."""
        row = self.random.choice(self.hot if self.random.random() < COLLIDE else self.own)
        for _ in range(2):
            body = {
                "quantity": f"{self.random.randrange(1000)}.{self.random.randrange(1000):03d}",
                "note": f"klient {self.member.index} ändring {self.sequence}",
            }
            response = self.send(
                "PATCH row",
                "PATCH",
                f"{self.schedule.base}/rows/{row}",
                json=body,
                headers={"If-Match": f'"{self.versions[row]}"'},
            )
            if response is None:
                return
            if response.is_success:
                answered = response.json()
                self.versions[row] = answered["version"]
                self.ledger.edited(answered)
                return
            if response.status_code != 412:
                return
            self.ledger.stale(row)
            self.versions[row] = int(response.headers["ETag"].strip('"'))

    def run(self, start: threading.Event, deadline: float) -> None:
        start.wait()
        try:
            if self.member.signs_in_with_code:
                self.sign_in_with_code()
            self.list_projects()
            self.read_rows()
            self.summary()
            edits = 0
            while time.monotonic() < deadline:
                if (
                    self.member.signs_in_with_code
                    and self.sign_ins < MAX_SIGN_INS
                    and time.monotonic() - self.signed_in_at > SIGN_IN_AGAIN_S
                ):
                    self.sign_in_with_code()
                self.edit()
                edits += 1
                if edits % SUMMARY_EVERY == 0:
                    self.summary()
                if edits % PROJECTS_EVERY == 0:
                    self.list_projects()
                if edits % ROWS_EVERY == 0:
                    self.read_rows()
                if self.think_s:
                    time.sleep(self.think_s)
        except Exception as error:  # reported, and fails the run
            self.errors.append(f"client {self.member.index} stopped: {error!r}")


# --- the end: the database's word -------------------------------------------------


@dataclass
class Check:
    name: str
    ok: bool | None  # None: skipped
    detail: str

    def line(self) -> str:
        verdict = "SKIP" if self.ok is None else "PASS" if self.ok else "FAIL"
        return f"{verdict}  {self.name}: {self.detail}"


def nothing_lost(env: dict[str, str], schedule: Schedule, ledger: Ledger) -> list[Check]:
    engine = create_engine(env["CASAI_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            stored = {
                str(row.id): row
                for row in connection.execute(
                    text(
                        "SELECT id, kind, version, quantity, note FROM schedule_rows"
                        " WHERE revision_id = :revision"
                    ),
                    {"revision": uuid.UUID(schedule.revision_id)},
                )
            }
            # The outbox before Table storage: an event forwarded in between is then
            # seen in one of them at least (the union counts it once).
            outbox = {
                row_key
                for (row_key,) in connection.execute(
                    text(
                        "SELECT row_key FROM audit_outbox WHERE partition_key = :trail"
                        " AND action = 'rows_changed' AND target = :target"
                    ),
                    {"trail": f"project:{schedule.project_id}", "target": schedule.id},
                )
            }
    finally:
        engine.dispose()
    table = TableClient.from_connection_string(
        env["CASAI_STORAGE_CONNECTION_STRING"], table_name=env["CASAI_AUDIT_TABLE"]
    )
    with table:
        forwarded = {
            entity["RowKey"]
            for entity in table.query_entities(
                "PartitionKey eq @trail",
                parameters={"trail": f"project:{schedule.project_id}"},
                select=["RowKey", "action", "target"],
            )
            if entity["action"] == "rows_changed" and entity["target"] == schedule.id
        }

    differ, wrong_count = [], []
    for row_id, first in schedule.initial.items():
        now = stored.get(row_id)
        expected = ledger.last.get(row_id, first)
        if now is None or (now.version, now.quantity, now.note) != (
            expected["version"],
            None if expected["quantity"] is None else Decimal(expected["quantity"]),
            expected["note"],
        ):
            differ.append(row_id)
        if now is None or now.version - first["version"] != ledger.committed[row_id]:
            wrong_count.append(row_id)
    edits = sum(ledger.committed.values())
    events = len(outbox | forwarded)
    expected_events = edits + SETUP_BATCHES
    return [
        Check(
            "every row equals its last 2xx edit",
            not differ and len(stored) == ROWS,
            f"{len(schedule.initial) - len(differ)} of {len(schedule.initial)} items as last "
            f"answered ({len(ledger.last)} edited), {len(stored)} rows in the schedule"
            + (f"; differ: {differ[:5]}" if differ else ""),
        ),
        Check(
            "no 412 changed anything",
            not wrong_count,
            f"each row's version rose once per 2xx edit ({edits} edits, "
            f"{sum(ledger.refused.values())} refused with 412)"
            + (f"; wrong: {wrong_count[:5]}" if wrong_count else ""),
        ),
        Check(
            "the audit holds one event per committed edit",
            events == expected_events,
            f"{events} rows_changed events ({len(forwarded)} in Table storage, "
            f"{len(outbox)} still in the outbox) for {edits} edits + {SETUP_BATCHES} set-up batch",
        ),
    ]


# --- the report -----------------------------------------------------------------


def report(
    samples: list[Sample],
    lines: dict[str, RequestLine],
    elapsed: float,
    errors: list[str],
    allow_missing: bool,
) -> list[Check]:
    endpoints: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        endpoints[sample.endpoint].append(sample)
    statuses = Counter(sample.status for sample in samples)
    print(f"\n### load: {len(samples)} requests in {elapsed:.1f} s, {len(samples) / elapsed:.1f}/s")
    print("\n| endpoint | requests | req/s | p50 | p95 | p99 | statuses |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, group in endpoints.items():
        times = [sample.ms for sample in group]
        counted = Counter("no answer" if s.status is None else str(s.status) for s in group)
        print(
            f"| {name} | {len(group)} | {len(group) / elapsed:.1f} | {ms(percentile(times, 50))} "
            f"| {ms(percentile(times, 95))} | {ms(percentile(times, 99))} "
            f"| {', '.join(f'{status}: {n}' for status, n in sorted(counted.items()))} |"
        )
    print(
        "\nstatuses: "
        + ", ".join(
            f"{'no answer' if status is None else status}: {n}"
            for status, n in sorted(statuses.items(), key=lambda item: item[0] or 0)
        )
    )

    timed = [lines[s.request_id] for s in samples if s.request_id in lines]
    missing_lines = len(samples) - len(timed) - statuses[None]
    print("\nwhere the time goes (the app's log lines; p50 / p95):\n")
    print("| endpoint | in the app | pool wait | lock wait | working |")
    print("| --- | --- | --- | --- | --- |")
    for name, group in endpoints.items():
        found = [lines[s.request_id] for s in group if s.request_id in lines]
        print(
            f"| {name} | {spread([x.duration_ms for x in found])} "
            f"| {spread([x.pool_wait_ms for x in found])} "
            f"| {spread([x.lock_wait_ms for x in found])} "
            f"| {spread([x.working_ms for x in found])} |"
        )
    absent = [
        name
        for name in REQUIRED_FIELDS
        if not timed or any(getattr(line, name) is None for line in timed)
    ]
    if absent:
        print(f"\n(the log lines lack {', '.join(absent)})")

    def needs(fields: tuple[str, ...], check: Check) -> Check:
        lacking = [name for name in fields if name in absent]
        if not lacking:
            return check
        detail = f"the log lines lack {', '.join(lacking)}"
        return Check(check.name, None if allow_missing else False, detail)

    server_5xx = sum(1 for x in timed if x.status is not None and x.status >= 500)
    client_5xx = sum(n for status, n in statuses.items() if status is not None and status >= 500)
    patches = endpoints.get("PATCH row", [])
    answered = sum(1 for s in patches if s.status is not None and answered_status(s.status))
    pool_waits = [x.pool_wait_ms for x in timed if x.pool_wait_ms is not None]
    pool_p95 = percentile(pool_waits, 95)
    return [
        Check(
            "no 5xx, every request answered",
            client_5xx == 0 and statuses[None] == 0 and not errors,
            f"{client_5xx} 5xx, {statuses[None]} without an answer, {len(errors)} client errors"
            + (f" (first: {errors[0]})" if errors else ""),
        ),
        needs(
            ("status",),
            Check(
                "no 5xx in the app's log",
                server_5xx == 0 and missing_lines == 0,
                f"{server_5xx} 5xx logged; {missing_lines} answered requests without a log line",
            ),
        ),
        Check(
            f"≥ {PATCH_RATE_BUDGET:.0f} PATCH/s answered (2xx or 412) on one schedule",
            answered / elapsed >= PATCH_RATE_BUDGET,
            f"{answered / elapsed:.1f}/s ({answered} in {elapsed:.1f} s)",
        ),
        needs(
            ("pool_wait_ms",),
            Check(
                f"pool-connection wait p95 ≤ {POOL_WAIT_BUDGET_MS:.0f} ms",
                pool_p95 <= POOL_WAIT_BUDGET_MS,
                f"p95 {ms(pool_p95)}, p99 {ms(percentile(pool_waits, 99))}, "
                f"max {ms(max(pool_waits, default=float('nan')))} over {len(pool_waits)} requests",
            ),
        ),
    ]


def answered_status(status: int) -> bool:
    """A PATCH the app answered as meant: done, or refused as stale."""
    return 200 <= status < 300 or status == 412


def cpu_seconds(pid: int | None) -> float:
    """CPU time (user + system) a process has used so far; NaN where /proc has none."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def spread(values: list[float | None]) -> str:
    found = [value for value in values if value is not None]
    if not found:
        return "n/a"
    return f"{percentile(found, 50):.1f} / {percentile(found, 95):.1f} ms"


# --- main -----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=SECONDS, help="of load (default 60)")
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--think-ms", type=float, default=0.0, help="pause after each edit")
    parser.add_argument(
        "--allow-missing-log-fields",
        action="store_true",
        help="SKIP, not FAIL, the checks whose fields the app does not log yet",
    )
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= 600 or not 1 <= args.clients <= 200:
        parser.error("--seconds must be in (0, 600] and --clients in [1, 200]")
    server = loopback_postgres_url()

    with tempfile.TemporaryDirectory(prefix="casai-load-") as folder:
        root = Path(folder)
        storage = start_storage(root / "azurite")
        try:
            with fresh_database(server) as url:
                env = app_environment(root / "app", url, storage.connection_string)
                azurite_pid = storage.server.process.pid if storage.server.process else None
                checks = load(env, args, azurite_pid)
        finally:
            azurite.stop(storage.server)
    print()
    for check in checks:
        print(check.line())
    return 0 if all(check.ok is not False for check in checks) else 1


def load(env: dict[str, str], args: argparse.Namespace, azurite_pid: int | None) -> list[Check]:
    seconds, clients, think_s = args.seconds, args.clients, args.think_ms / 1000
    with (
        running_host(env, "--migrate", devhost=PLAIN_DEVHOST) as host,
        host.client() as owner_client,
    ):
        print(f"set-up: {clients} accounts and a 2,000-row schedule …", flush=True)
        started = time.monotonic()
        schedule, members = set_up(host, owner_client, clients)
        print(f"set-up done in {time.monotonic() - started:.0f} s; {seconds:.0f} s of load …")
        items = list(schedule.initial)
        hot = items[:: len(items) // HOT_ROWS][:HOT_ROWS]
        others = [row for row in items if row not in set(hot)]
        ledger, codes = Ledger(), Codes(host.outbox)
        workers = [
            Client(m, schedule, others[m.index :: clients], hot, ledger, codes, think_s)
            for m in members
        ]
        start = threading.Event()
        processes = {"clients": os.getpid(), "app": host.process.pid, "Azurite": azurite_pid}
        cpu_before = {name: cpu_seconds(pid) for name, pid in processes.items()}
        load_before = os.getloadavg()[0]
        began = time.monotonic()  # the threads start within milliseconds of this
        deadline = began + seconds
        threads = [threading.Thread(target=w.run, args=(start, deadline)) for w in workers]
        for thread in threads:
            thread.start()
        start.set()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - began
        cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in processes.items()}
        for member in members:
            member.http.close()
        time.sleep(1)  # work after the last responses (audit forwarding) settles
        samples = [sample for worker in workers for sample in worker.samples]
        errors = [error for worker in workers for error in worker.errors]
        lines = by_request_id(
            line for line in request_lines(host.log()) if line.request_id.startswith("load-")
        )
        checks = report(samples, lines, elapsed, errors, args.allow_missing_log_fields)
        print(
            f"\nCPU in the timed phase ({os.cpu_count()} cores, load average "
            f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after): "
            + ", ".join(f"{name} {used:.1f} s" for name, used in cpu.items())
            + f" of {elapsed:.1f} s"
        )
        return checks + nothing_lost(env, schedule, ledger)


if __name__ == "__main__":
    sys.exit(main())
