"""What an account's own security log (`GET /me/security-log`) says happened, named once.

A reader of the log, a test and the code that records an event spell each the same
way, as Warehouse names its event tags. Why or how travels in the event's details
(`reason`, `purpose`), so the kinds stay few.
"""

from enum import StrEnum


class AccountEvent(StrEnum):
    REGISTERED = "registered"
    REGISTRATION_REFUSED = "registration_refused"
    EMAIL_VERIFIED = "email_verified"
    EMAIL_VERIFICATION_FAILED = "email_verification_failed"
    PASSWORD_ACCEPTED = "password_accepted"  # noqa: S105 (an event name)
    PASSWORD_CHECK_FAILED = "password_check_failed"  # noqa: S105 (an event name)
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 (an event name)
    PASSWORD_RESET = "password_reset"  # noqa: S105 (an event name)
    LOGIN_SUCCEEDED = "login_succeeded"
    LOGIN_FAILED = "login_failed"
    LOGIN_REFUSED = "login_refused"
    OTP_SENT = "otp_sent"
    OTP_FAILED = "otp_failed"
    STEP_UP_SUCCEEDED = "step_up_succeeded"
    SESSION_ENDED = "session_ended"
    MFA_CHANGED = "mfa_changed"
    RECOVERY_CODES_REGENERATED = "recovery_codes_regenerated"
    PROFILE_CHANGED = "profile_changed"
