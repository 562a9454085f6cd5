"""A Telegram-Bot-API-shaped server: `POST /bot{token}/sendMessage` as the public docs describe.

Faults: `server_error` (HTTP 500, no JSON answer), `rate_limit` (429 with retry_after),
`chat_not_found` (400). A wrong token answers 401 as the service does.
"""

from dataclasses import dataclass
from typing import Any

from cloud.notify_sim.http_server import JsonApiSim


@dataclass(frozen=True)
class TelegramMessage:
    """A message the bot sent."""

    message_id: int
    chat_id: str
    text: str


class TelegramSim(JsonApiSim):
    """Records messages sent with the expected token; fails on request."""

    def __init__(self, token: str, *, retry_after_s: int = 1):
        super().__init__()
        self.token = token
        self.retry_after_s = retry_after_s
        self.messages: list[TelegramMessage] = []

    def _answer(self, path: str, headers: dict[str, str], body: Any) -> tuple[int, dict[str, Any]]:
        if path != f"/bot{self.token}/sendMessage":
            return 401 if path.endswith("/sendMessage") else 404, _error(401, "Unauthorized")
        fault = self.faults.take()
        if fault == "server_error":
            return 500, {}
        if fault == "rate_limit":
            answer = _error(429, f"Too Many Requests: retry after {self.retry_after_s}")
            return 429, {**answer, "parameters": {"retry_after": self.retry_after_s}}
        if fault == "chat_not_found":
            return 400, _error(400, "Bad Request: chat not found")
        if not isinstance(body, dict) or not body.get("chat_id") or not body.get("text"):
            return 400, _error(400, "Bad Request: chat_id and text are required")
        with self._lock:
            message = TelegramMessage(len(self.messages) + 1, str(body["chat_id"]), body["text"])
            self.messages.append(message)
        result = {"message_id": message.message_id, "chat": {"id": message.chat_id}}
        return 200, {"ok": True, "result": result | {"text": message.text}}


def _error(code: int, description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": code, "description": description}
