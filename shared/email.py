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
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from shared import clock
from shared.config import Settings, get_settings

log = logging.getLogger("casai.email")


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


def render(translations: dict[str, Template], locale: str, to: str, **values: str) -> Email:
    """The e-mail in the recipient's language (Swedish when there is none for it).

    Values are escaped for the HTML part; `code` is shown large and `link` as a link.
    """
    template = translations.get(locale) or translations["sv"]
    text = "\n\n".join(paragraph.format(**values) for paragraph in template.paragraphs)
    escaped = {name: html.escape(value) for name, value in values.items()}
    if "code" in escaped:
        escaped["code"] = f'<strong style="font-size:1.4em">{escaped["code"]}</strong>'
    if "link" in escaped:
        escaped["link"] = f'<a href="{escaped["link"]}">{escaped["link"]}</a>'
    body = "".join(f"<p>{p.format(**escaped)}</p>" for p in template.paragraphs)
    page = f'<!doctype html><html><body style="font-family:sans-serif">{body}</body></html>'
    subject = template.subject.format(**values)
    return Email(to=to, subject=subject, text=text + "\n\n— CASAI\n", html=page)


def send(message: Email) -> None:
    settings = get_settings()
    if settings.email_backend == "sendgrid":
        send_with_sendgrid(message, settings)
    else:
        write_to_outbox(message, settings)


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
    response = client.send(mail)  # raises on a 4xx/5xx answer
    log.info("email accepted by sendgrid: status %s", response.status_code)
