"""A Zalo-OA-API-shaped server: `POST /v3.0/oa/message/cs` with an `access_token` header.

Answers as the published OA API does: `{"error": 0, "message": "Success", "data": {...}}`, or
a negative error code. Faults: `server_error` (HTTP 502), `token_expired` (error -216),
`not_follower` (error -213, the user does not follow the OA).
"""

from dataclasses import dataclass
from typing import Any

from cloud.notify_sim.http_server import JsonApiSim

PATH = "/v3.0/oa/message/cs"
TEXT_LIMIT = 2000


@dataclass(frozen=True)
class ZaloMessage:
    """A message the OA sent."""

    message_id: str
    user_id: str
    text: str


class ZaloSim(JsonApiSim):
    """Records messages sent with the expected access token; fails on request."""

    def __init__(self, access_token: str):
        super().__init__()
        self.access_token = access_token
        self.messages: list[ZaloMessage] = []

    def _answer(self, path: str, headers: dict[str, str], body: Any) -> tuple[int, dict[str, Any]]:
        if path != PATH:
            return 404, {"error": -201, "message": "unknown endpoint"}
        token = {k.lower(): v for k, v in headers.items()}.get("access_token")
        fault = self.faults.take()
        if fault == "server_error":
            return 502, {"error": -1, "message": "bad gateway"}
        if token != self.access_token or fault == "token_expired":
            return 200, {"error": -216, "message": "Access token is invalid"}
        if fault == "not_follower":
            return 200, {"error": -213, "message": "User has not followed OA"}
        recipient = body.get("recipient") if isinstance(body, dict) else None
        message = body.get("message") if isinstance(body, dict) else None
        user_id = recipient.get("user_id") if isinstance(recipient, dict) else None
        text = message.get("text") if isinstance(message, dict) else None
        if not user_id or not isinstance(text, str) or not text:
            return 200, {"error": -201, "message": "Parameters are invalid"}
        if len(text) > TEXT_LIMIT:
            return 200, {"error": -201, "message": "text is too long"}
        with self._lock:
            sent = ZaloMessage(f"zm{len(self.messages) + 1:06d}", str(user_id), text)
            self.messages.append(sent)
        data = {"message_id": sent.message_id, "user_id": sent.user_id}
        return 200, {"error": 0, "message": "Success", "data": data}
