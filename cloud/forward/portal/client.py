"""The portal's HTTP interface as calls: create, confirm, bulk create/confirm, errors parsed."""

from typing import Any

import httpx

from cloud.forward.adapter import Journal
from cloud.forward.errors import RateLimited, Refused, Unavailable
from cloud.forward.http import Answer, exchange
from cloud.forward.portal.settings import PortalMapping
from cloud.forward.portal.token import TokenSource
from cloud.forward.throttle import Throttle


class PortalClient:
    """Authenticated JSON calls to the portal; raises Unavailable, RateLimited or Refused."""

    def __init__(
        self,
        client: httpx.Client,
        mapping: PortalMapping,
        tokens: TokenSource,
        throttle: Throttle,
        *,
        destination: str,
    ):
        self._client = client
        self.mapping = mapping
        self._tokens = tokens
        self._throttle = throttle
        self._destination = destination

    def call(
        self,
        method: str,
        path: str,
        body: Any,
        journal: Journal,
        *,
        item_ids: tuple[int, ...] = (),
    ) -> Any:
        """One request (a 401 fetches a new token and tries once more); the answer's body."""
        for attempt in range(2):
            self._throttle.acquire()
            header = self._tokens.header(journal)
            answer = exchange(
                self._client,
                journal,
                destination=self._destination,
                method=method,
                url=self.mapping.base_url.rstrip("/") + path,
                body=body,
                headers=header,
                item_ids=item_ids,
            )
            if answer.status == 401 and attempt == 0:
                self._tokens.invalidate(header)
                continue
            return self._body(answer)
        raise Unavailable("the portal refused a fresh token (HTTP 401)")

    def confirm(
        self, path: str, remote_id: str, journal: Journal, *, item_ids: tuple[int, ...]
    ) -> None:
        """PUT the confirmation of a created object."""
        url = self.mapping.paths.confirm.format(path=path, id=remote_id)
        self.call("PUT", url, None, journal, item_ids=item_ids)

    def id_of(self, answer: Any) -> str:
        """The id in a create's answer (Refused when there is none)."""
        key = self.mapping.fields.id
        if isinstance(answer, dict) and answer.get(key) not in (None, ""):
            return str(answer[key])
        raise Refused(f"the portal's answer has no {key!r}: {str(answer)[:300]}")

    def _body(self, answer: Answer) -> Any:
        status = answer.status
        if status is None:
            raise Unavailable(f"no answer: {answer.error}")
        if status == 429:
            retry = answer.retry_after_s
            self._throttle.pause(retry if retry is not None else 1.0)
            raise RateLimited(f"HTTP 429 (Retry-After {retry})", retry)
        if status >= 500 or status in (401, 408):
            raise Unavailable(f"HTTP {status}: {self.describe(answer)}")
        if status >= 400:
            raise Refused(f"HTTP {status}: {self.describe(answer)}")
        return answer.body

    def describe(self, answer: Answer) -> str:
        """The portal's error as `error: debugMessage (errorInFile)`, or the raw body."""
        fields = self.mapping.fields
        body = answer.body
        if isinstance(body, dict) and fields.error in body:
            text = f"{body.get(fields.error)}: {body.get(fields.debug_message) or ''}"
            where = body.get(fields.error_in_file)
            return f"{text} ({where})" if where else text
        return answer.text[:500]
