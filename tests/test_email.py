"""E-mail: the outbox writes RFC 5322 files; the SendGrid backend talks to SendGrid's API."""

from __future__ import annotations

import email
import json
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import SecretStr

from shared.config import Settings
from shared.email import Email, send_with_sendgrid, write_to_outbox

MESSAGE = Email(
    to="Åsa Öberg <asa@example.se>",
    subject="Din kod: 123456",
    text="Hej Åsa!\nDin kod är 123456.",
    html="<p>Hej Åsa!</p><p>Din kod är <b>123456</b>.</p>",
)


def test_outbox_message_parses_back_with_both_parts(tmp_path: Path) -> None:
    path = write_to_outbox(MESSAGE, Settings(data_dir=tmp_path))
    assert path.parent == tmp_path / "outbox"
    assert path.suffix == ".eml"
    parsed = email.message_from_bytes(path.read_bytes(), policy=default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["Subject"] == "Din kod: 123456"
    assert parsed["To"] == "Åsa Öberg <asa@example.se>"
    assert parsed["From"]
    assert parsed["Message-ID"]
    assert parsed["Date"]
    assert parsed.get_content_type() == "multipart/alternative"
    plain = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    assert plain.get_content() == "Hej Åsa!\nDin kod är 123456.\n"
    assert "<b>123456</b>" in html.get_content()
    assert list((tmp_path / "outbox").iterdir()) == [path]  # no partial files left


class Recorder(BaseHTTPRequestHandler):
    requests: ClassVar[list[tuple[str, dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        Recorder.requests.append((self.path, dict(self.headers), self.rfile.read(length)))
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def sendgrid_stand_in() -> Iterator[str]:
    Recorder.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_sendgrid_backend_posts_both_parts(sendgrid_stand_in: str) -> None:
    settings = Settings(
        email_backend="sendgrid",
        sendgrid_api_key=SecretStr("SG.test-key"),
        sendgrid_api_host=sendgrid_stand_in,
        email_from="CASAI <no-reply@casai.se>",
    )
    send_with_sendgrid(MESSAGE, settings)
    [(path, headers, body)] = Recorder.requests
    assert path == "/v3/mail/send"
    assert headers["Authorization"] == "Bearer SG.test-key"
    payload = json.loads(body)
    assert payload["subject"] == "Din kod: 123456"
    assert payload["from"]["email"] == "no-reply@casai.se"
    assert payload["personalizations"][0]["to"][0]["email"] == "asa@example.se"
    contents = {part["type"]: part["value"] for part in payload["content"]}
    assert contents["text/plain"] == MESSAGE.text
    assert contents["text/html"] == MESSAGE.html
