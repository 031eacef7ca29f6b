"""The support e-mails: a ticket to the support team, and the sender's confirmation.

Anyone can send a ticket naming any address, so the confirmation holds nothing the
sender wrote: only the reference, the category and what happens next. The team's copy
holds the whole ticket, the sender's words marked as theirs, links defanged, and says
which parts CASAI verified (a signed-in sender, their membership of the project).
"""

from __future__ import annotations

import html

from shared import email
from shared.email import Email, Template, UserText
from support.models import SupportTicket
from support.tickets import TicketCategory

CATEGORY_NAMES = {
    "sv": {
        TicketCategory.QUESTION: "fråga",
        TicketCategory.PROBLEM: "problem",
        TicketCategory.ACCESS_DENIAL: "neka någon åtkomst",
        TicketCategory.SECURITY: "säkerhet",
    },
    "en": {
        TicketCategory.QUESTION: "question",
        TicketCategory.PROBLEM: "problem",
        TicketCategory.ACCESS_DENIAL: "deny someone access",
        TicketCategory.SECURITY: "security",
    },
}

CONFIRMATION = {
    "sv": Template(
        "Vi har tagit emot ditt supportärende {reference}",
        (
            "Hej!",
            "Vi har tagit emot ett supportärende ({category}) som skickades med den här "
            "e-postadressen. Ärendets nummer är {reference}; ange det om du kontaktar oss "
            "om ärendet.",
            "Supporten är bemannad vardagar {hours} ({timezone}). Ärenden om att neka någon "
            "åtkomst och om säkerhet behandlas först.",
            "Har du inte skickat något ärende kan du bortse från meddelandet.",
        ),
    ),
    "en": Template(
        "We have received your support request {reference}",
        (
            "Hello,",
            "We have received a support request ({category}) sent with this e-mail "
            "address. Its reference is {reference}; please quote it if you contact us "
            "about it.",
            "Support is staffed on weekdays {hours} ({timezone}). Requests to deny someone "
            "access and security matters are handled first.",
            "If you did not send a request, you can ignore this message.",
        ),
    ),
}

URGENT_MARK = "[BRÅDSKANDE / URGENT]"


def confirmation(ticket: SupportTicket, to: str, locale: str, hours: str, timezone: str) -> Email:
    names = CATEGORY_NAMES.get(locale, CATEGORY_NAMES["sv"])
    return email.render(
        CONFIRMATION,
        locale,
        to,
        reference=ticket.reference,
        category=names[TicketCategory(ticket.category)],
        hours=hours,
        timezone=timezone,
    )


def title(ticket: SupportTicket) -> str:
    """The ticket's one-line title for the team: urgency, reference, category, subject."""
    mark = f"{URGENT_MARK} " if ticket.urgent else ""
    subject = email.quoted(UserText(ticket.subject))
    return f"{mark}{ticket.reference} ({ticket.category}): {subject}"


def description(ticket: SupportTicket) -> str:
    """The whole ticket as plain text for the team, verified facts apart from claims."""
    lines = []
    if ticket.urgent:
        lines.append(f"{URGENT_MARK} Category {ticket.category}: handle first.")
    lines.append(f"Reference: {ticket.reference}")
    lines.append(f"Sent: {ticket.created_at.isoformat()} (UTC)")
    if ticket.user_id is not None:
        lines.append(
            f"Sender (signed in, verified): {email.quoted(UserText(ticket.name or ''))} "
            f"<{ticket.email}>, user id {ticket.user_id}"
        )
    else:
        given = ticket.email or "no address given"
        lines.append(
            f"Sender (not signed in, unverified): {email.quoted(UserText(ticket.name or ''))} "
            f"<{given}>"
        )
    if ticket.project_id is not None:
        if ticket.project_name is not None:
            role = "manages its members" if ticket.sender_manages else "is a member"
            lines.append(
                f"Project (verified: the sender {role}): "
                f"{email.quoted(UserText(ticket.project_name))}, id {ticket.project_id}"
            )
        else:
            lines.append(
                f"Project id given (unverified, not a project of the sender's): {ticket.project_id}"
            )
    if ticket.person_email is not None:
        verified = (
            "a member of that project (verified)"
            if ticket.person_is_member
            else "not verified as a member of the project"
        )
        lines.append(f"Person to deny access: <{ticket.person_email}>, {verified}")
    lines.append("")
    lines.append("The sender's words (unchecked):")
    lines.append(email.defang(ticket.message))
    return "\n".join(lines)


def to_support_team(ticket: SupportTicket, to: str) -> Email:
    text = description(ticket)
    page = (
        '<!doctype html><html><body style="font-family:sans-serif">'
        f'<pre style="white-space:pre-wrap">{html.escape(text)}</pre></body></html>'
    )
    return Email(to=to, subject=f"CASAI support: {title(ticket)}", text=text + "\n", html=page)
