"""The invitation e-mail, in Swedish (default) and English.

Anyone with an account can create an organisation and a project and invite any
address, so the names in it are the sender's words: quoted as text, capped, never a
link, and said to be theirs; the inviter is named by their verified address too.
"""

from __future__ import annotations

from shared import email
from shared.email import Email, Template, UserText

INVITATION = {
    "sv": Template(
        "Inbjudan till ett projekt i CASAI från {inviter_email}",
        (
            "Hej!",
            "{inviter_email} har bjudit in dig till ett projekt i CASAI, där projektets "
            "mängdförteckningar delas. Avsändaren kallar sig {inviter}, projektet "
            "{project} och organisationen {org}; namnen är avsändarens egna och inte "
            "granskade av CASAI.",
            "Öppna länken för att gå med: {link}",
            "Inbjudan gäller till {expires} UTC och kan användas en gång. Har du inget konto "
            "skapar du ett med den här e-postadressen. Väntade du dig inte inbjudan kan du "
            "bortse från meddelandet.",
        ),
    ),
    "en": Template(
        "Invitation to a project in CASAI from {inviter_email}",
        (
            "Hello,",
            "{inviter_email} has invited you to a project in CASAI, where the project's "
            "bills of quantities are shared. The sender calls themselves {inviter}, the "
            "project {project} and the organisation {org}; the names are the sender's "
            "own, not checked by CASAI.",
            "Open the link to join: {link}",
            "The invitation is valid until {expires} UTC and works once. If you have no "
            "account, create one with this e-mail address. If you did not expect this, you "
            "can ignore this message.",
        ),
    ),
}


def invitation(
    locale: str,
    to: str,
    *,
    inviter: str,
    inviter_email: str,
    project: str,
    org: str,
    link: str,
    expires: str,
) -> Email:
    return email.render(
        INVITATION,
        locale,
        to,
        inviter=UserText(inviter),
        inviter_email=inviter_email,
        project=UserText(project),
        org=UserText(org),
        link=link,
        expires=expires,
    )
