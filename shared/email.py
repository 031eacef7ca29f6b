"""Outgoing e-mail with a plain-text and an HTML part.

Two backends, chosen by `CASAI_EMAIL_BACKEND`:
- `outbox` (local, tests): each message becomes an RFC 5322 `.eml` file in
  `$CASAI_DATA_DIR/outbox/`, and one summary line goes to the log.
- `sendgrid` (production): SendGrid's v3 mail API.
"""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from shared.config import Settings, get_settings

log = logging.getLogger("casai.email")


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str


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
    mime["Date"] = format_datetime(datetime.now(UTC))
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
