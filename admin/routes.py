import logging

import azure.functions as func

from admin.schemas import AdminUserList, AdminUserOut, UserQuery
from auth import guards
from auth.sessions import Principal
from shared import housekeeping, http
from shared.config import get_settings
from shared.problems import Problem, ProblemCode
from support.schemas import TicketList, TicketOut, TicketQuery

# Each handler imports the service it calls (and with it the ORM and the tables): a
# cold start registers every function without loading them (bench/bench_cold_start.py).
bp = http.Blueprint()
log = logging.getLogger("casai.admin")
USER = "admin/users/{user_id:guid}"


@http.declare_guard(
    http.GuardContract(
        "required",
        {**guards.SIGNED_IN.refusals, 403: [ProblemCode.FORBIDDEN, ProblemCode.MFA_REQUIRED]},
        {"x-casai-platform-admin": "true", **guards.SECOND_FACTOR},
    )
)
def platform_admin(ctx: http.Context) -> None:
    """Guard of every admin endpoint: a platform administrator's session that passed a
    second factor; 403 `forbidden` for everyone else, `mfa_required` without the factor."""
    guards.signed_in(ctx)
    caller = ctx.established(Principal)
    if not caller.user.platform_admin:
        raise Problem(403, "forbidden", "Only platform administrators may do this.")
    if caller.session.second_factor is None:
        raise Problem(
            403, "mfa_required", "Confirm with a second factor first (POST /api/auth/step-up)."
        )


@bp.endpoint("GET", "admin/users", query=UserQuery, response=AdminUserList, guard=platform_admin)
def list_users(ctx: http.Context) -> AdminUserList:
    """Accounts whose address or name holds `q` (any case), oldest first. Audited."""
    from admin import service

    return service.list_users(ctx.db, ctx.established(Principal), ctx.query)


@bp.endpoint(
    "POST",
    f"{USER}/disable",
    response=AdminUserOut,
    guard=platform_admin,
    errors={404: [ProblemCode.NOT_FOUND], 409: [ProblemCode.CONFLICT]},
)
def disable_user(ctx: http.Context) -> AdminUserOut:
    """Disable an account: its sessions end at once and sign-in answers account_disabled."""
    from admin import service

    return service.disable_user(ctx.db, ctx.established(Principal), ctx.route_id("user_id"))


@bp.endpoint(
    "POST",
    f"{USER}/enable",
    response=AdminUserOut,
    guard=platform_admin,
    errors={404: [ProblemCode.NOT_FOUND], 409: [ProblemCode.CONFLICT]},
)
def enable_user(ctx: http.Context) -> AdminUserOut:
    """Let a disabled account sign in again (not one its holder deleted)."""
    from admin import service

    return service.enable_user(ctx.db, ctx.established(Principal), ctx.route_id("user_id"))


@bp.endpoint(
    "DELETE",
    f"{USER}/sessions",
    status=204,
    guard=platform_admin,
    response_headers=["Set-Cookie"],  # when it was the admin's own
    errors={404: [ProblemCode.NOT_FOUND]},
)
def end_user_sessions(ctx: http.Context) -> None:
    """End every session of an account; it stays able to sign in."""
    from admin import service

    if service.end_sessions(ctx.db, ctx.established(Principal), ctx.route_id("user_id")):
        ctx.response_headers.append(guards.clearing_cookie())


@bp.endpoint("GET", "admin/tickets", query=TicketQuery, response=TicketList, guard=platform_admin)
def list_tickets(ctx: http.Context) -> TicketList:
    """Support tickets, oldest first; `status` open or closed. Audited."""
    from admin import service

    return service.list_tickets(ctx.db, ctx.established(Principal), ctx.query)


@bp.endpoint(
    "POST",
    "admin/tickets/{ticket_id:guid}/close",
    response=TicketOut,
    guard=platform_admin,
    errors={404: [ProblemCode.NOT_FOUND]},
)
def close_ticket(ctx: http.Context) -> TicketOut:
    """Close a ticket (closing a closed one changes nothing)."""
    from admin import service

    return service.close_ticket(ctx.db, ctx.established(Principal), ctx.route_id("ticket_id"))


@bp.timer_trigger(schedule=housekeeping.DAILY, arg_name="timer", run_on_startup=False)
def purge_past_retention(timer: func.TimerRequest) -> None:
    """Daily (shared.housekeeping): delete audit events and closed tickets older than the
    retention period (CASAI_RETENTION_DAYS), and log how many."""
    from admin import service
    from shared import db

    with db.transaction() as session:
        tickets = service.purge_closed_tickets(session)
    events = service.purge_audit_events()
    log.info(
        "retention: deleted %d audit event(s) and %d closed ticket(s) older than %d days",
        events,
        tickets,
        get_settings().retention_days,
    )
