"""What a support ticket is about and where it stands: the values its table
(support.models) stores and the API (support.schemas) reads and answers.

Apart from the table, so that the API's models load without the ORM (a cold start
registers them; bench/bench_cold_start.py).
"""

from enum import StrEnum


class TicketCategory(StrEnum):
    """What a ticket is about; the last two are urgent (see URGENT)."""

    QUESTION = "question"
    PROBLEM = "problem"
    ACCESS_DENIAL = "access_denial"  # "deny someone access", the seed's quick way
    SECURITY = "security"


URGENT = frozenset({TicketCategory.ACCESS_DENIAL, TicketCategory.SECURITY})


class TicketStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # by a platform administrator


class ForwardState(StrEnum):
    """Where a ticket went after it was stored."""

    PENDING = "pending"  # not yet handed on (the retry timer tries again)
    INTERCOM = "intercom"  # created as a ticket through Intercom's REST API
    EMAILED = "emailed"  # e-mailed to the support address
