"""The account e-mails, in Swedish (default) and English, as plain text and HTML.

A verification code goes to an address nobody has proven yet, so its e-mail holds
nothing the registering party wrote (not even the name): anyone can register anyone's
address. Other e-mails name the account's own holder; a browser's User-Agent is
quoted as text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared import email
from shared.email import Email, Template, UserText

if TYPE_CHECKING:
    from auth.models import User

TEMPLATES: dict[str, dict[str, Template]] = {
    "verify_email": {
        "sv": Template(
            "Bekräfta din e-postadress för CASAI",
            (
                "Hej!",
                "Någon registrerade ett konto hos CASAI med den här e-postadressen. Din kod "
                "för att bekräfta adressen är: {code}",
                "Ange koden tillsammans med lösenordet du valde när du registrerade dig. "
                "Koden gäller i 10 minuter. Har du inte skapat något konto hos CASAI kan du "
                "bortse från meddelandet: utan koden kan ingen använda adressen.",
            ),
        ),
        "en": Template(
            "Confirm your e-mail address for CASAI",
            (
                "Hello,",
                "Someone registered a CASAI account with this e-mail address. Your code to "
                "confirm the address is: {code}",
                "Enter the code together with the password you chose when you registered. "
                "The code is valid for 10 minutes. If you did not create a CASAI account, "
                "ignore this message: without the code nobody can use the address.",
            ),
        ),
    },
    "sign_in_code": {
        "sv": Template(
            "Din inloggningskod till CASAI",
            (
                "Hej {name}!",
                "Din inloggningskod är: {code}",
                "Koden gäller i 10 minuter och kan bara användas en gång. Har du inte "
                "försökt logga in? Byt lösenord och kontakta supporten.",
            ),
        ),
        "en": Template(
            "Your CASAI sign-in code",
            (
                "Hello {name},",
                "Your sign-in code is: {code}",
                "The code is valid for 10 minutes and works once. If you did not try to "
                "sign in, change your password and contact support.",
            ),
        ),
    },
    "password_reset": {
        "sv": Template(
            "Återställ ditt lösenord till CASAI",
            (
                "Hej {name}!",
                "Din kod för att välja ett nytt lösenord är: {code}",
                "Koden gäller i 10 minuter. Har du inte bett om det kan du bortse från "
                "meddelandet; ditt lösenord är oförändrat.",
            ),
        ),
        "en": Template(
            "Reset your CASAI password",
            (
                "Hello {name},",
                "Your code to choose a new password is: {code}",
                "The code is valid for 10 minutes. If you did not ask for this, ignore this "
                "message; your password has not changed.",
            ),
        ),
    },
    "new_sign_in": {
        "sv": Template(
            "Ny inloggning på ditt CASAI-konto",
            (
                "Hej {name}!",
                "Någon loggade just in på ditt konto från {device} (IP-adress {ip}), {at} UTC.",
                "Var det inte du? Byt lösenord direkt, avsluta dina andra sessioner och "
                "kontakta supporten.",
            ),
        ),
        "en": Template(
            "New sign-in to your CASAI account",
            (
                "Hello {name},",
                "Someone just signed in to your account from {device} (IP address {ip}), {at} UTC.",
                "Not you? Change your password at once, end your other sessions and contact "
                "support.",
            ),
        ),
    },
    "account_exists": {
        "sv": Template(
            "Du har redan ett konto hos CASAI",
            (
                "Hej!",
                "Någon försökte skapa ett konto hos CASAI med den här e-postadressen, men "
                "du har redan ett. Logga in med ditt lösenord, eller välj Glömt lösenord.",
                "Var det inte du kan du bortse från meddelandet.",
            ),
        ),
        "en": Template(
            "You already have a CASAI account",
            (
                "Hello,",
                "Someone tried to create a CASAI account with this e-mail address, but you "
                "already have one. Sign in with your password, or choose Forgot password.",
                "If this was not you, you can ignore this message.",
            ),
        ),
    },
}


def render(kind: str, locale: str, to: str, **values: str) -> Email:
    return email.render(TEMPLATES[kind], locale, to, **values)


def code(kind: str, locale: str, user: User, value: str) -> Email:
    """An e-mail carrying a code; the name only once the address is the holder's."""
    if user.email_verified_at is None:
        return render(kind, locale, user.email, code=value)
    return render(kind, locale, user.email, code=value, name=user.display_name)


def new_sign_in(user: User, device: str, ip: str, at: str) -> Email:
    return render(
        "new_sign_in",
        user.locale,
        user.email,
        name=user.display_name,
        device=UserText(device),
        ip=ip,
        at=at,
    )
