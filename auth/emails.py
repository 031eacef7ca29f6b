"""The account e-mails, in Swedish (default) and English, as plain text and HTML."""

from __future__ import annotations

from shared import email
from shared.email import Email, Template

TEMPLATES: dict[str, dict[str, Template]] = {
    "verify_email": {
        "sv": Template(
            "Bekräfta din e-postadress för CASAI",
            (
                "Hej {name}!",
                "Din kod för att bekräfta e-postadressen är: {code}",
                "Koden gäller i 10 minuter. Har du inte skapat något konto hos CASAI "
                "kan du bortse från det här meddelandet.",
            ),
        ),
        "en": Template(
            "Confirm your e-mail address for CASAI",
            (
                "Hello {name},",
                "Your code to confirm your e-mail address is: {code}",
                "The code is valid for 10 minutes. If you did not create a CASAI account, "
                "you can ignore this message.",
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
