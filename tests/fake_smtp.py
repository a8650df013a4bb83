"""A loopback SMTP server for the e-mail tests, speaking just enough SMTP (RFC 5321): EHLO/HELO,
STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT; implicit TLS too (smtps). It records
every message it accepts and every command it was sent. A self-signed certificate for 127.0.0.1
is made with the ``openssl`` command line.
"""

from __future__ import annotations

import base64
import socket
import socketserver
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any


def make_cert(folder: Path) -> tuple[Path, Path]:
    """(cert.pem, key.pem): self-signed, valid for 127.0.0.1 and localhost, one day."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key), "-out", str(cert),
            "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes
    tls: bool
    user: str | None

    @property
    def message(self) -> EmailMessage:
        parsed: Any = message_from_bytes(self.data, policy=policy.default)
        return parsed  # type: ignore[no-any-return]


@dataclass
class Behaviour:
    implicit_tls: bool = False
    starttls: bool = True
    auth: bool = True
    users: dict[str, str] = field(default_factory=dict)  # user -> password


class FakeSMTP(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, behaviour: Behaviour, context: ssl.SSLContext | None) -> None:
        self.behaviour = behaviour
        self.context = context
        self.received: list[Received] = []
        self.commands: list[str] = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that gave up the TLS handshake (an untrusted certificate): not printed."""
        with self.lock:
            self.commands.append("(connection failed)")

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start(self) -> FakeSMTP:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(socketserver.StreamRequestHandler):
    server: FakeSMTP

    def setup(self) -> None:
        self.tls = False
        if self.server.behaviour.implicit_tls:
            assert self.server.context is not None
            self.request = self.server.context.wrap_socket(self.request, server_side=True)
            self.tls = True
        self.request.settimeout(10)
        super().setup()

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        b = self.server.behaviour
        self.reply("220 fake.test ESMTP ready")
        user: str | None = None
        sender: str | None = None
        recipients: list[str] = []
        while True:
            try:
                raw = self.rfile.readline(4096)
            except (OSError, ssl.SSLError):
                return
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            with self.server.lock:
                self.server.commands.append(line if verb != "AUTH" else "AUTH …")
            if verb in ("EHLO", "HELO"):
                caps = ["250-fake.test", "250-8BITMIME", "250-SMTPUTF8"]
                if b.starttls and not self.tls:
                    caps.append("250-STARTTLS")
                if b.auth:
                    caps.append("250-AUTH PLAIN")
                caps.append("250 SIZE 10000000")
                for cap in caps if verb == "EHLO" else ["250 fake.test"]:
                    self.reply(cap)
            elif verb == "STARTTLS" and b.starttls and not self.tls:
                self.reply("220 go ahead")
                assert self.server.context is not None
                try:
                    self.request = self.server.context.wrap_socket(
                        self.request, server_side=True
                    )
                except (OSError, ssl.SSLError):
                    return
                self.tls = True
                self.rfile = self.request.makefile("rb")
                self.wfile = self.request.makefile("wb")
            elif verb == "AUTH" and b.auth:
                parts = line.split(" ")
                if len(parts) < 3 or parts[1].upper() != "PLAIN":
                    self.reply("504 only PLAIN")
                    continue
                try:
                    _, name, password = base64.b64decode(parts[2]).decode().split("\0")
                except (ValueError, UnicodeDecodeError):
                    self.reply("501 bad AUTH")
                    continue
                if b.users.get(name) == password:
                    user = name
                    self.reply("235 authenticated")
                else:
                    self.reply("535 5.7.8 authentication credentials invalid")
            elif verb == "MAIL":
                if b.users and user is None:
                    self.reply("530 authentication required")
                    continue
                sender = line.split(":", 1)[1].strip().split(" ")[0].strip("<>")
                recipients = []
                self.reply("250 ok")
            elif verb == "RCPT":
                recipients.append(line.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 end with .")
                lines: list[bytes] = []
                while True:
                    chunk = self.rfile.readline(1_000_000)
                    if not chunk or chunk in (b".\r\n", b".\n"):
                        break
                    lines.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                with self.server.lock:
                    self.server.received.append(
                        Received(sender or "", list(recipients), b"".join(lines), self.tls, user)
                    )
                self.reply("250 queued")
            elif verb == "RSET":
                sender, recipients = None, []
                self.reply("250 ok")
            elif verb == "NOOP":
                self.reply("250 ok")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    return context


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
