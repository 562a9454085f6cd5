"""Telegram: the Bot API's sendMessage (`POST {api}/bot{token}/sendMessage`, JSON).

Shape followed (core.telegram.org/bots/api, not verified against the live service here):
request `{"chat_id", "text", "disable_web_page_preview"}`; answer `{"ok": true, "result":
{"message_id": …}}` or `{"ok": false, "error_code", "description", "parameters":
{"retry_after": s}}` (429). The token is part of the URL: it never appears in an error.
"""

import httpx
from pydantic import SecretStr

from cloud.notify.errors import DeliveryError

TEXT_LIMIT = 4096  # characters of one message


class TelegramChannel:
    """Sends through a bot to a chat id (a person who started the bot, or a group)."""

    name = "telegram"

    def __init__(self, *, api_url: str, token: SecretStr, timeout_s: float):
        self._url = f"{api_url.rstrip('/')}/bot{token.get_secret_value()}/sendMessage"
        self._token = token
        self._timeout_s = timeout_s

    def send(self, address: str, subject: str, text: str) -> str | None:
        """Send `text` (the subject is its first line already); return the message id."""
        body = {"chat_id": address, "text": text[:TEXT_LIMIT], "disable_web_page_preview": True}
        try:
            response = httpx.post(self._url, json=body, timeout=self._timeout_s)
            answer = response.json()
        except (httpx.HTTPError, ValueError) as err:
            raise DeliveryError(self.name, self._scrub(f"{type(err).__name__}: {err}")) from err
        if not isinstance(answer, dict):
            raise DeliveryError(self.name, f"HTTP {response.status_code}: not a Bot API answer")
        if answer.get("ok") is True:
            result = answer.get("result")
            message_id = result.get("message_id") if isinstance(result, dict) else None
            return str(message_id) if message_id is not None else None
        parameters = answer.get("parameters")
        retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
        description = str(answer.get("description", ""))[:300]
        raise DeliveryError(
            self.name,
            self._scrub(f"{answer.get('error_code', response.status_code)}: {description}"),
            retry_after_s=float(retry_after) if isinstance(retry_after, int | float) else None,
        )

    def _scrub(self, text: str) -> str:
        return text.replace(self._token.get_secret_value(), "<token>")
