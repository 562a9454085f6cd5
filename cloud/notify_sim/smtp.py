"""A local SMTP server (aiosmtpd) that keeps the mail it accepts and refuses it on request.

Faults: `temporary` (451 after DATA: try again later), `mailbox` (550: recipient refused).
"""

import email
import email.policy
import socket
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from cloud.notify_sim.faults import Faults


@dataclass(frozen=True)
class Mail:
    """A message the server accepted."""

    sender: str
    recipients: tuple[str, ...]
    message: EmailMessage

    @property
    def subject(self) -> str:
        """The decoded Subject header."""
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        """The decoded plain-text body."""
        body = self.message.get_body(("plain",))
        return body.get_content() if body is not None else ""


class _Handler:
    def __init__(self, sim: "SmtpSim"):
        self._sim = sim

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self._sim.faults_rcpt.take() == "mailbox":
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self._sim.faults.take() == "temporary":
            return "451 4.3.0 try again later"
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self._sim.lock:
            self._sim.mails.append(Mail(envelope.mail_from, tuple(envelope.rcpt_tos), parsed))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpSim:
    """An SMTP server on 127.0.0.1 (no TLS, no authentication: TXNG_NOTIFY_SMTP_SECURITY=none)."""

    def __init__(self, port: int = 0):
        self.faults = Faults()  # at DATA
        self.faults_rcpt = Faults()  # at RCPT TO
        self.mails: list[Mail] = []
        self.lock = threading.Lock()
        self.port = port or _free_port()
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def start(self) -> "SmtpSim":
        """Start serving."""
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._controller.stop()
