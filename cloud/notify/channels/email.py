"""E-mail over SMTP (STARTTLS, implicit TLS or plain for a local relay), with the stdlib."""

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from pydantic import SecretStr

from cloud.notify.errors import DeliveryError


class EmailChannel:
    """One SMTP connection per message (alerts are few; a pooled session would idle out)."""

    name = "email"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: str,
        sender: str,
        username: str | None,
        password: SecretStr | None,
        timeout_s: float,
    ):
        self._host = host
        self._port = port
        self._security = security
        self._sender = sender
        self._username = username
        self._password = password
        self._timeout_s = timeout_s

    def send(self, address: str, subject: str, text: str) -> str | None:
        """Send a plain-text UTF-8 message; return its Message-ID."""
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = address
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False)
        message_id = make_msgid(domain=self._sender.rsplit("@", 1)[1])
        message["Message-ID"] = message_id
        message.set_content(text)
        try:
            with self._connect() as smtp:
                if self._security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if self._username and self._password is not None:
                    smtp.login(self._username, self._password.get_secret_value())
                smtp.send_message(message)
        except smtplib.SMTPResponseException as err:
            raise DeliveryError(
                self.name, f"SMTP {err.smtp_code}: {_text(err.smtp_error)}"
            ) from err
        except smtplib.SMTPRecipientsRefused as err:
            raise DeliveryError(self.name, "recipient refused") from err
        except (smtplib.SMTPException, OSError) as err:
            raise DeliveryError(self.name, f"{type(err).__name__}: {err}") from err
        return message_id

    def _connect(self) -> smtplib.SMTP:
        if self._security == "tls":
            return smtplib.SMTP_SSL(
                self._host,
                self._port,
                timeout=self._timeout_s,
                context=ssl.create_default_context(),
            )
        return smtplib.SMTP(self._host, self._port, timeout=self._timeout_s)


def _text(raw: bytes | str) -> str:
    return (raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw)[:300]
