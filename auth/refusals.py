"""What the account checks answer, declared once for the endpoints that run them.

Kept apart from auth.service, which the routes import only when a handler runs (a cold
start registers the endpoints, and their `errors=`, without loading it).
"""

from shared.problems import ProblemCode, Refusals

# auth.service.require_password: the password is wrong, or it was wrong too often.
PASSWORD_CHECK: Refusals = {
    403: [ProblemCode.INVALID_CREDENTIALS],
    429: [ProblemCode.RATE_LIMITED],
}
# Checking an authenticator code: wrong, or too many wrong ones.
APP_CODE_CHECK: Refusals = {400: [ProblemCode.INVALID_CODE], 429: [ProblemCode.RATE_LIMITED]}
