"""What the audit trails say happened to support tickets.

One name per kind of event: a reader of the trail, a test and the code that records an
event spell it the same way. Closing a ticket is an administrator's action
(admin.schemas.AdminAction.TICKET_CLOSED), recorded in the support trail too.
"""

from enum import StrEnum


class SupportEvent(StrEnum):
    TICKET_RECEIVED = "ticket_received"  # the support trail: a ticket was stored
    TICKET_FORWARDED = "ticket_forwarded"  # the support trail: handed on to Intercom or by mail
    TICKET_SENT = "support_ticket_sent"  # the signed-in sender's own security log
