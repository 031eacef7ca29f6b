import logging

import azure.functions as func

from auth.guards import signed_in_or_anonymous
from auth.sessions import Visitor
from shared import housekeeping, http
from shared.problems import ProblemCode
from support.schemas import MessengerConfig, SupportStatus, TicketAccepted, TicketIn

# Each handler imports the service it calls (and with it the ORM and the tables): a
# cold start registers every function without loading them (bench/bench_cold_start.py).
bp = http.Blueprint()
log = logging.getLogger("casai.support")

# Headroom over the longest ticket (5,000 characters, each up to 4 bytes of UTF-8 and
# more when escaped in JSON); anything larger is not a ticket.
TICKET_MAX_BODY = 64 * 1024


@bp.endpoint("GET", "support/status", response=SupportStatus)
def support_status(ctx: http.Context) -> SupportStatus:
    """Whether the support chat is staffed now, and its current or next opening.

    Staffed 07:30–16:30 Europe/Stockholm (settings) on weekdays that are not Swedish
    public holidays, midsommarafton, julafton or nyårsafton. Tickets are taken at any hour.
    """
    from support import service

    return service.status()


@bp.endpoint("GET", "support/messenger", response=MessengerConfig, guard=signed_in_or_anonymous)
def messenger(ctx: http.Context) -> MessengerConfig:
    """The Intercom Messenger's settings, for everyone; with a session, who is chatting.

    `user_hash` is Intercom's identity verification (HMAC-SHA256 of `user_id` with the
    workspace secret, which never leaves the server). `enabled: false` when no Intercom
    app is configured: use the ticket form instead.
    """
    from support import service

    return service.messenger(ctx.established(Visitor))


@bp.endpoint(
    "POST",
    "support/tickets",
    body=TicketIn,
    response=TicketAccepted,
    status=202,
    max_body=TICKET_MAX_BODY,
    guard=signed_in_or_anonymous,
    errors={429: [ProblemCode.RATE_LIMITED]},
)
def submit_ticket(ctx: http.Context) -> TicketAccepted:
    """Send a ticket to support, at any hour, signed in or not; its reference.

    Stored at once and handed on after the response (to Intercom, or by e-mail to the
    support address); a confirmation goes to the sender's address. `access_denial` and
    `security` are urgent. At most 5 tickets an hour per address (a signed-in sender's
    own: per account) and 10 per network (429 with Retry-After). A request with a
    session must send its CSRF token.
    """
    from support import service

    accepted = service.submit_ticket(ctx.db, ctx.established(Visitor), ctx.body)
    ctx.after_response(service.forward_pending)
    return accepted


@bp.timer_trigger(schedule="0 */10 * * * *", arg_name="timer", run_on_startup=False)
def forward_tickets(timer: func.TimerRequest) -> None:
    """Every 10 minutes, when a forward failed on this instance: try the waiting tickets
    again. The database is touched only then (housekeeping.ON_DEMAND)."""
    from support import service

    if service.left_waiting_here():
        _forward_waiting_tickets()


@bp.timer_trigger(schedule=housekeeping.DAILY, arg_name="timer", run_on_startup=False)
def sweep_tickets(timer: func.TimerRequest) -> None:
    """Daily (shared.housekeeping): forward every ticket (and send every confirmation)
    still waiting, from any instance; purge old ticket limit counts."""
    from shared import db
    from support import service

    def sweep() -> None:
        _forward_waiting_tickets()
        with db.transaction() as session:
            service.purge_old_counts(session)

    housekeeping.run(sweep, "sweep_tickets")


def _forward_waiting_tickets() -> None:
    from support import service

    handled = service.forward_pending(most=500)
    if handled:
        log.info("support: handled %d ticket(s) left waiting", handled)
