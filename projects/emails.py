"""The invitation e-mail, in Swedish (default) and English."""

from __future__ import annotations

from shared import email
from shared.email import Email, Template

INVITATION = {
    "sv": Template(
        "Inbjudan till projektet {project} i CASAI",
        (
            "Hej!",
            "{inviter} har bjudit in dig till projektet {project} ({org}) i CASAI, där "
            "projektets mängdförteckningar delas.",
            "Öppna länken för att gå med: {link}",
            "Inbjudan gäller till {expires} UTC och kan användas en gång. Har du inget konto "
            "skapar du ett med den här e-postadressen. Väntade du dig inte inbjudan kan du "
            "bortse från meddelandet.",
        ),
    ),
    "en": Template(
        "Invitation to the project {project} in CASAI",
        (
            "Hello,",
            "{inviter} has invited you to the project {project} ({org}) in CASAI, where the "
            "project's bills of quantities are shared.",
            "Open the link to join: {link}",
            "The invitation is valid until {expires} UTC and works once. If you have no "
            "account, create one with this e-mail address. If you did not expect this, you "
            "can ignore this message.",
        ),
    ),
}


def invitation(locale: str, to: str, **values: str) -> Email:
    return email.render(INVITATION, locale, to, **values)
