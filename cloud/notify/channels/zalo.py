"""Zalo: the Official Account API's consultation text message (`POST {api}/v3.0/oa/message/cs`).

Shape followed (Zalo for Developers' OA API v3 as published; not verified against the live
service here): header `access_token`; request `{"recipient": {"user_id"}, "message":
{"text"}}` (text up to 2,000 characters; the user must follow the OA); answer `{"error": 0,
"message": "Success", "data": {"message_id", "user_id"}}`, any other `error` a failure.
"""

import httpx
from pydantic import SecretStr

from cloud.notify.errors import DeliveryError

TEXT_LIMIT = 2000
PATH = "/v3.0/oa/message/cs"


class ZaloChannel:
    """Sends as the Official Account to a follower's user id."""

    name = "zalo"

    def __init__(self, *, api_url: str, access_token: SecretStr, timeout_s: float):
        self._url = api_url.rstrip("/") + PATH
        self._token = access_token
        self._timeout_s = timeout_s

    def send(self, address: str, subject: str, text: str) -> str | None:
        """Send `text`; return the message id."""
        body = {"recipient": {"user_id": address}, "message": {"text": text[:TEXT_LIMIT]}}
        headers = {"access_token": self._token.get_secret_value()}
        try:
            response = httpx.post(self._url, json=body, headers=headers, timeout=self._timeout_s)
            answer = response.json()
        except (httpx.HTTPError, ValueError) as err:
            raise DeliveryError(self.name, self._scrub(f"{type(err).__name__}: {err}")) from err
        if not isinstance(answer, dict):
            raise DeliveryError(self.name, f"HTTP {response.status_code}: not an OA API answer")
        if response.status_code == 200 and answer.get("error") == 0:
            data = answer.get("data")
            message_id = data.get("message_id") if isinstance(data, dict) else None
            return str(message_id) if message_id is not None else None
        reason = f"error {answer.get('error')}: {str(answer.get('message', ''))[:300]}"
        raise DeliveryError(self.name, self._scrub(f"HTTP {response.status_code}, {reason}"))

    def _scrub(self, text: str) -> str:
        return text.replace(self._token.get_secret_value(), "<token>")
