"""The portal's SSO token (OAuth2 client credentials): fetched once, refreshed before expiry."""

import threading
import time

import httpx

from cloud.forward.adapter import Journal
from cloud.forward.errors import RateLimited, Refused, Unavailable
from cloud.forward.http import exchange
from cloud.forward.portal.settings import PortalMapping


class TokenSource:
    """A bearer token shared by every sender thread; one thread refreshes at a time."""

    def __init__(
        self,
        client: httpx.Client,
        mapping: PortalMapping,
        *,
        client_id: str,
        client_secret: str,
        destination: str,
    ):
        self._client = client
        self._mapping = mapping
        self._client_id = client_id
        self._client_secret = client_secret
        self._destination = destination
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self.fetched = 0

    def header(self, journal: Journal) -> dict[str, str]:
        """The Authorization header with a token valid for at least the refresh margin."""
        with self._lock:
            margin = self._mapping.token.refresh_margin_s
            if self._token is None or time.monotonic() >= self._expires_at - margin:
                self._fetch(journal)
            return {"authorization": f"Bearer {self._token}"}

    def invalidate(self, header: dict[str, str]) -> None:
        """Forget the token in `header` (the portal refused it); the next call fetches anew."""
        with self._lock:
            if header.get("authorization") == f"Bearer {self._token}":
                self._token = None

    def _fetch(self, journal: Journal) -> None:
        settings = self._mapping.token
        started = time.monotonic()
        answer = exchange(
            self._client,
            journal,
            destination=self._destination,
            method="POST",
            url=self._mapping.base_url.rstrip("/") + settings.path,
            form={
                "grant_type": settings.grant_type,
                settings.client_id_field: self._client_id,
                settings.client_secret_field: self._client_secret,
            },
            redact=True,
        )
        if answer.status == 429:
            raise RateLimited("token endpoint: HTTP 429", answer.retry_after_s)
        if answer.status is None or answer.status >= 500:
            raise Unavailable(f"token endpoint: {answer.error or f'HTTP {answer.status}'}")
        body = answer.body if isinstance(answer.body, dict) else {}
        token = body.get("access_token")
        if answer.status != 200 or not isinstance(token, str):
            raise Refused(f"token endpoint refused the client credentials: HTTP {answer.status}")
        lifetime = float(body.get("expires_in") or 300)
        self._token = token
        self._expires_at = started + lifetime
        self.fetched += 1
