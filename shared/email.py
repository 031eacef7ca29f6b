"""Outgoing e-mail with a plain-text and an HTML part.

Two backends, chosen by `CASAI_EMAIL_BACKEND`:
- `outbox` (local, tests): each message becomes an RFC 5322 `.eml` file in
  `$CASAI_DATA_DIR/outbox/`, and one summary line goes to the log.
- `sendgrid` (production): SendGrid's v3 mail API.
"""

from __future__ import annotations

import html
import logging
import os
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from shared import clock
from shared.config import Settings, get_settings
from shared.outages import EmailUnavailable

log = logging.getLogger("casai.email")
SENDGRID_TIMEOUT_S = 10  # an answer slower than this is an outage (503), not a hang


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Template:
    """One e-mail in one language; paragraphs are str.format templates."""

    subject: str
    paragraphs: tuple[str, ...]


class UserText(str):
    """Text someone other than CASAI wrote (a project, organisation or person's name, a
    browser's User-Agent): shown as a quotation, never as a link or an instruction."""

    __slots__ = ()


USER_TEXT_MAX = 80
# Anything a mail client would turn into a link: a scheme, or a dotted host name.
_LINK_LIKE = re.compile(
    r"(?i)\b(?:[a-z][a-z0-9+.-]*:/*)?(?:[a-z0-9-]+\.)+[a-z]{2,}\b|\b[a-z][a-z0-9+.-]*://"
)
_WHITESPACE_RUN = re.compile(r"\s+")


def quoted(value: UserText) -> str:
    """One line, at most USER_TEXT_MAX characters, in quotation marks, with every
    link-like part defanged (`evil[.]example`, `https[:]//`) so no client links it."""
    line = _WHITESPACE_RUN.sub(" ", "".join(c if c.isprintable() else " " for c in value))
    line = line.strip()
    if len(line) > USER_TEXT_MAX:
        line = line[: USER_TEXT_MAX - 1].rstrip() + "…"
    defanged = _LINK_LIKE.sub(
        lambda m: m.group(0).replace(".", "[.]").replace("://", "[:]//"), line
    )
    return f"“{defanged}”"


def defang(text: str) -> str:
    """`text` with every link-like part defanged, lines kept: for someone else's words
    shown in full (a support ticket's message, to the support team)."""
    return _LINK_LIKE.sub(lambda m: m.group(0).replace(".", "[.]").replace("://", "[:]//"), text)


def render(translations: dict[str, Template], locale: str, to: str, **values: str) -> Email:
    """The e-mail in the recipient's language (Swedish when there is none for it).

    `UserText` values are quoted (see `quoted`); every value is escaped for the HTML
    part; `code` is shown large and `link` as a link.
    """
    template = translations.get(locale) or translations["sv"]
    plain = {
        name: quoted(value) if isinstance(value, UserText) else value
        for name, value in values.items()
    }
    text = "\n\n".join(paragraph.format(**plain) for paragraph in template.paragraphs)
    escaped = {name: html.escape(value) for name, value in plain.items()}
    if "code" in escaped:
        escaped["code"] = f'<strong style="font-size:1.4em">{escaped["code"]}</strong>'
    if "link" in escaped:
        escaped["link"] = f'<a href="{escaped["link"]}">{escaped["link"]}</a>'
    body = "".join(f"<p>{p.format(**escaped)}</p>" for p in template.paragraphs)
    page = f'<!doctype html><html><body style="font-family:sans-serif">{body}</body></html>'
    subject = _WHITESPACE_RUN.sub(" ", template.subject.format(**plain)).strip()
    return Email(to=to, subject=subject, text=text + "\n\n— CASAI\n", html=page)


def send(message: Email) -> None:
    """Send it through the configured backend; EmailUnavailable when that fails."""
    settings = get_settings()
    try:
        if settings.email_backend == "sendgrid":
            send_with_sendgrid(message, settings)
        else:
            write_to_outbox(message, settings)
    except Exception as exc:
        raise EmailUnavailable(f"{settings.email_backend}: {type(exc).__name__}") from exc


def to_mime(message: Email, sender: str) -> EmailMessage:
    mime = EmailMessage()
    mime["From"] = sender
    mime["To"] = message.to
    mime["Subject"] = message.subject
    mime["Date"] = format_datetime(clock.now())
    mime["Message-ID"] = make_msgid(domain="casai.localhost")
    mime.set_content(message.text)
    mime.add_alternative(message.html, subtype="html")
    return mime


def write_to_outbox(message: Email, settings: Settings) -> Path:
    outbox = settings.outbox_dir
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = outbox / f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
    partial = path.with_suffix(".part")
    partial.write_bytes(bytes(to_mime(message, settings.email_from)))
    os.replace(partial, path)  # readers never see half a message
    log.info("email written to outbox: %s (subject: %s)", path, message.subject)
    return path


def send_with_sendgrid(message: Email, settings: Settings) -> None:
    from sendgrid import SendGridAPIClient
    from sendgrid.helpers.mail import Mail

    mail = Mail(
        from_email=settings.email_from,
        to_emails=message.to,
        subject=message.subject,
        plain_text_content=message.text,
        html_content=message.html,
    )
    client = SendGridAPIClient(
        api_key=settings.sendgrid_api_key.get_secret_value(), host=settings.sendgrid_api_host
    )
    client.client.timeout = SENDGRID_TIMEOUT_S  # inherited by the endpoint clients it builds
    response = client.send(mail)  # raises on a 4xx/5xx answer
    log.info("email accepted by sendgrid: status %s", response.status_code)
