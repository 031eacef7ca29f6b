from typing import TYPE_CHECKING

import azure.functions as func

from auth import guards, refusals
from auth.schemas import (
    Challenge,
    DeleteMeIn,
    LoginIn,
    LoginResult,
    MePatch,
    MfaEmailIn,
    MfaStatus,
    OtpResendIn,
    OtpVerifyIn,
    PasswordChangeIn,
    PasswordForgotIn,
    PasswordIn,
    PasswordResetIn,
    PrivacyExport,
    RecoveryCodes,
    RegisterIn,
    SecurityLog,
    SessionList,
    SessionView,
    StatusOut,
    TotpConfirmIn,
    TotpDeleteIn,
    TotpSetup,
    UserOut,
    VerifiedOut,
    VerifyEmailIn,
)
from auth.sessions import Principal, Visitor
from shared import housekeeping, http
from shared.pagination import PageQuery
from shared.problems import ProblemCode, merged_refusals

if TYPE_CHECKING:
    from auth.service import SignedIn

# Each handler imports the service it calls (and with it the ORM and the tables): a
# cold start registers every function without loading them (bench/bench_cold_start.py).
bp = http.Blueprint()
signed_in = guards.signed_in
with_second_factor = guards.signed_in_with_second_factor


def _with_cookies(ctx: http.Context, signed: "SignedIn") -> LoginResult:
    """The sign-in's answer, with the cookies of the session it opened or upgraded."""
    if signed.session_token is not None:
        ctx.response_headers.append(guards.session_cookie(signed.session_token))
    if signed.device_token is not None:
        ctx.response_headers.append(guards.device_cookie(signed.device_token))
    return signed.answer


@bp.endpoint(
    "POST",
    "auth/register",
    body=RegisterIn,
    response=StatusOut,
    status=202,
    errors={429: [ProblemCode.RATE_LIMITED]},
)
def register(ctx: http.Context) -> StatusOut:
    """Create an account; a code to confirm the e-mail address is sent.

    The answer is the same whether or not the address already has an account
    (that address is told so by e-mail instead).
    """
    from auth import service

    return service.register(ctx.db, ctx.client, ctx.body)


@bp.endpoint(
    "POST",
    "auth/verify-email",
    body=VerifyEmailIn,
    response=VerifiedOut,
    errors={
        400: [ProblemCode.INVALID_CODE, ProblemCode.INVALID_CREDENTIALS],
        429: [ProblemCode.RATE_LIMITED],
    },
)
def verify_email(ctx: http.Context) -> VerifiedOut:
    """Confirm the e-mail address with a code sent to it and the password registered.

    The code proves the mailbox; the password chooses which registration of the
    address becomes the account, so nobody else's registration is ever activated.
    """
    from auth import service

    return service.verify_email(ctx.db, ctx.client, ctx.body)


@bp.endpoint(
    "POST",
    "auth/login",
    body=LoginIn,
    response=LoginResult,
    response_headers=["Set-Cookie"],
    errors={
        401: [ProblemCode.INVALID_CREDENTIALS],
        403: [ProblemCode.ACCOUNT_DISABLED, ProblemCode.EMAIL_NOT_VERIFIED],
        429: [ProblemCode.RATE_LIMITED],
    },
)
def login(ctx: http.Context) -> LoginResult:
    """Sign in with e-mail and password; either a session or `otp_required`."""
    from auth import service

    signed = service.login(ctx.db, ctx.client, ctx.body, guards.device_token(ctx))
    return _with_cookies(ctx, signed)


@bp.endpoint(
    "POST",
    "auth/otp/verify",
    body=OtpVerifyIn,
    response=LoginResult,
    response_headers=["Set-Cookie"],
    guard=guards.signed_in_or_anonymous,
    errors={
        400: [ProblemCode.INVALID_CODE],
        401: [ProblemCode.UNAUTHENTICATED],
        410: [ProblemCode.CHALLENGE_EXPIRED],
        429: [ProblemCode.RATE_LIMITED],
    },
)
def verify_otp(ctx: http.Context) -> LoginResult:
    """Complete a sign-in (or a step-up) with an e-mail, authenticator or recovery code.

    A sign-in challenge needs no session; a step-up challenge upgrades only the session
    it was made for, which must send its cookie and CSRF token (else 401)."""
    from auth import service

    caller = None
    if service.is_step_up(ctx.db, ctx.body.challenge_id):
        caller = ctx.established(Visitor).principal
        if caller is None:
            raise guards.unauthenticated()
    return _with_cookies(ctx, service.verify_otp(ctx.db, ctx.client, caller, ctx.body))


@bp.endpoint(
    "POST",
    "auth/otp/resend",
    body=OtpResendIn,
    response=StatusOut,
    status=202,
    errors={
        409: [ProblemCode.CONFLICT],
        410: [ProblemCode.CHALLENGE_EXPIRED],
        429: [ProblemCode.RATE_LIMITED],
    },
)
def resend_code(ctx: http.Context) -> StatusOut:
    """Send a new e-mail code for a sign-in challenge (at most every 30 s, 5 per 15 min).

    A step-up challenge is not resent: ask POST /auth/step-up for a new one."""
    from auth import service

    return service.resend_code(ctx.db, ctx.client, ctx.body)


@bp.endpoint(
    "POST",
    "auth/step-up",
    response=Challenge,
    guard=signed_in,
    errors={429: [ProblemCode.RATE_LIMITED]},  # the cap on e-mailed codes
)
def step_up(ctx: http.Context) -> Challenge:
    """Ask for a second factor to upgrade the current session."""
    from auth import service

    return service.step_up(ctx.db, ctx.established(Principal))


@bp.endpoint("GET", "auth/session", response=SessionView, guard=signed_in)
def current_session(ctx: http.Context) -> SessionView:
    """The signed-in user, the session and its CSRF token."""
    from auth import service

    return service.current_session(ctx.established(Principal))


@bp.endpoint("POST", "auth/logout", guard=signed_in, status=204, response_headers=["Set-Cookie"])
def logout(ctx: http.Context) -> None:
    """End this session on the server and clear its cookie."""
    from auth import service

    service.logout(ctx.db, ctx.established(Principal))
    ctx.response_headers.append(guards.clearing_cookie())


@bp.endpoint("GET", "auth/sessions", response=SessionList, guard=signed_in)
def list_sessions(ctx: http.Context) -> SessionList:
    """The caller's live sessions."""
    from auth import service

    return service.list_sessions(ctx.db, ctx.established(Principal))


@bp.endpoint(
    "DELETE",
    "auth/sessions/{session_id:guid}",
    guard=signed_in,
    status=204,
    response_headers=["Set-Cookie"],  # when it was this session
    errors={404: [ProblemCode.NOT_FOUND]},
)
def end_session(ctx: http.Context) -> None:
    """End one of the caller's sessions."""
    from auth import service

    if service.end_session(ctx.db, ctx.established(Principal), ctx.route_id("session_id")):
        ctx.response_headers.append(guards.clearing_cookie())


@bp.endpoint("DELETE", "auth/sessions", guard=signed_in, status=204)
def end_other_sessions(ctx: http.Context) -> None:
    """End every session of the caller but this one."""
    from auth import service

    service.end_other_sessions(ctx.db, ctx.established(Principal))


@bp.endpoint(
    "POST",
    "auth/password/change",
    body=PasswordChangeIn,
    guard=signed_in,
    status=204,
    errors=refusals.PASSWORD_CHECK,
)
def change_password(ctx: http.Context) -> None:
    """Change the password; every other session ends."""
    from auth import service

    service.change_password(ctx.db, ctx.established(Principal), ctx.body)


@bp.endpoint(
    "POST",
    "auth/password/forgot",
    body=PasswordForgotIn,
    response=StatusOut,
    status=202,
    errors={429: [ProblemCode.RATE_LIMITED]},
)
def forgot_password(ctx: http.Context) -> StatusOut:
    """Send a reset code to the address if it has an account; the answer is always 202.

    The answer takes the same time either way: the code is sent after the response.
    429 when the address (known or not) asked five times in 15 minutes.
    """
    from auth import service

    answer = service.forgot_password(ctx.db, ctx.client, ctx.body)
    ctx.after_response(service.answer_reset_requests)
    return answer


@bp.endpoint(
    "POST",
    "auth/password/reset",
    body=PasswordResetIn,
    status=204,
    errors={
        400: [ProblemCode.INVALID_CODE],
        403: [ProblemCode.TOTP_REQUIRED],
        429: [ProblemCode.RATE_LIMITED],
    },
)
def reset_password(ctx: http.Context) -> None:
    """Choose a new password with the e-mailed code (and the authenticator code, if any).

    Every session of the account ends.
    """
    from auth import service

    service.reset_password(ctx.db, ctx.client, ctx.body)


@bp.endpoint("GET", "auth/mfa", response=MfaStatus, guard=signed_in)
def mfa_status(ctx: http.Context) -> MfaStatus:
    """Which second factors the caller has."""
    from auth import service

    return service.mfa_status(ctx.db, ctx.established(Principal).user)


@bp.endpoint(
    "PUT",
    "auth/mfa/email",
    body=MfaEmailIn,
    response=MfaStatus,
    guard=with_second_factor,
    errors=refusals.PASSWORD_CHECK,
)
def set_email_otp(ctx: http.Context) -> MfaStatus:
    """Turn e-mail codes at sign-in on or off (password, and a session with a second factor).

    The account's other sessions end.
    """
    from auth import service

    return service.set_email_otp(ctx.db, ctx.established(Principal), ctx.body)


@bp.endpoint(
    "POST",
    "auth/mfa/totp/setup",
    response=TotpSetup,
    guard=with_second_factor,
    errors={409: [ProblemCode.CONFLICT]},
)
def setup_totp(ctx: http.Context) -> TotpSetup:
    """Start adding an authenticator app; needs a session that passed a second factor."""
    from auth import service

    return service.setup_totp(ctx.db, ctx.established(Principal))


@bp.endpoint(
    "POST",
    "auth/mfa/totp/confirm",
    body=TotpConfirmIn,
    response=RecoveryCodes,
    guard=with_second_factor,
    errors=merged_refusals(refusals.APP_CODE_CHECK, {409: [ProblemCode.CONFLICT]}),
)
def confirm_totp(ctx: http.Context) -> RecoveryCodes:
    """Finish adding the authenticator app with its first code; returns 10 recovery codes.

    The account's other sessions end.
    """
    from auth import service

    return service.confirm_totp(ctx.db, ctx.established(Principal), ctx.body)


@bp.endpoint(
    "DELETE",
    "auth/mfa/totp",
    body=TotpDeleteIn,
    guard=with_second_factor,
    status=204,
    errors=merged_refusals(
        refusals.PASSWORD_CHECK, refusals.APP_CODE_CHECK, {404: [ProblemCode.NOT_FOUND]}
    ),
)
def remove_totp(ctx: http.Context) -> None:
    """Remove the authenticator app (password, a current code, a session with a second factor).

    The account's other sessions end.
    """
    from auth import service

    service.remove_totp(ctx.db, ctx.established(Principal), ctx.body)


@bp.endpoint(
    "POST",
    "auth/mfa/recovery-codes",
    body=PasswordIn,
    response=RecoveryCodes,
    guard=with_second_factor,
    errors=merged_refusals(refusals.PASSWORD_CHECK, {409: [ProblemCode.CONFLICT]}),
)
def regenerate_recovery_codes(ctx: http.Context) -> RecoveryCodes:
    """Ten new recovery codes; the old ones stop working and the other sessions end.

    Needs the password and a session that passed a second factor.
    """
    from auth import service

    return service.regenerate_recovery_codes(ctx.db, ctx.established(Principal), ctx.body.password)


@bp.endpoint("GET", "me", response=UserOut, guard=signed_in)
def get_me(ctx: http.Context) -> UserOut:
    """The caller's profile."""
    from auth import service

    return service.user_out(ctx.established(Principal).user)


@bp.endpoint("PATCH", "me", body=MePatch, response=UserOut, guard=signed_in)
def update_me(ctx: http.Context) -> UserOut:
    """Change the display name or the language of e-mails (sv, en)."""
    from auth import service

    return service.update_me(ctx.db, ctx.established(Principal), ctx.body)


@bp.endpoint("GET", "me/export", response=PrivacyExport, guard=signed_in)
def export_me(ctx: http.Context) -> PrivacyExport:
    """Everything CASAI holds about the caller, as one JSON document (GDPR art. 15, 20).

    Profile, organisations and projects with roles, sessions, the security log,
    invitations sent and received, support tickets, and the ids of what the caller
    created or last edited. Nothing about anyone else. Audited.
    """
    from auth import privacy

    return privacy.export(ctx.db, ctx.established(Principal))


@bp.endpoint(
    "DELETE",
    "me",
    body=DeleteMeIn,
    guard=signed_in,
    status=204,
    response_headers=["Set-Cookie"],
    errors=merged_refusals(
        refusals.PASSWORD_CHECK,
        {403: [ProblemCode.MFA_REQUIRED], 409: [ProblemCode.CONFLICT]},
    ),
)
def delete_me(ctx: http.Context) -> None:
    """Delete the account: the password, and a second factor when the account has one.

    Every session ends; credentials and personal data go; project data stays, its
    author shown as a removed user. 409 while the caller is the only one able to manage
    a project's members or the only admin of an organisation others depend on.
    """
    from auth import privacy

    privacy.delete_account(ctx.db, ctx.established(Principal), ctx.body.password)
    ctx.response_headers.append(guards.clearing_cookie())


@bp.endpoint("GET", "me/security-log", query=PageQuery, response=SecurityLog, guard=signed_in)
def security_log(ctx: http.Context) -> SecurityLog:
    """The caller's own sign-in and security events, newest first."""
    from auth import service

    return service.security_log(ctx.established(Principal), ctx.query)


@bp.timer_trigger(schedule=housekeeping.DAILY, arg_name="timer", run_on_startup=False)
def purge_challenges(timer: func.TimerRequest) -> None:
    """Daily (shared.housekeeping): delete ended codes and old rate-limit counts."""
    from auth import service
    from shared import db

    def purge() -> None:
        with db.transaction() as session:
            service.purge_challenges(session)

    housekeeping.run(purge, "purge_challenges")


@bp.timer_trigger(schedule=housekeeping.DAILY, arg_name="timer", run_on_startup=False)
def answer_reset_requests(timer: func.TimerRequest) -> None:
    """Daily: send the codes of reset requests whose answer was lost with its instance
    (every forgot request answers all queued ones right after its response, too)."""
    from auth import service

    housekeeping.run(service.answer_reset_requests, "answer_reset_requests")


@bp.timer_trigger(schedule=housekeeping.DAILY, arg_name="timer", run_on_startup=False)
def purge_sessions(timer: func.TimerRequest) -> None:
    """Daily: delete sessions past their idle or absolute limit (refused on use already)."""
    from auth import service
    from shared import db

    def purge() -> None:
        with db.transaction() as session:
            service.purge_sessions(session)

    housekeeping.run(purge, "purge_sessions")
