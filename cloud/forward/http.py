"""One recorded HTTP exchange with a far side, and how its answer maps to an outcome."""

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from cloud.db.rows.forward import Submission
from cloud.forward.adapter import Journal, Outcome

EXCERPT_CHARS = 2000


@dataclass(frozen=True)
class Answer:
    """The far side's answer to one request (status None: none came, error says why)."""

    status: int | None
    body: Any
    text: str
    headers: dict[str, str]
    error: str | None = None

    @property
    def outcome(self) -> Outcome:
        """Accepted (2xx), rate limited (429), permanent (other 4xx) or transient."""
        return classify(self.status)

    @property
    def retry_after_s(self) -> float | None:
        """The Retry-After header in seconds, when there is one."""
        return parse_retry_after(self.headers.get("retry-after"))


def classify(status: int | None) -> Outcome:
    """Map an HTTP status to an outcome: 2xx accepted, 429 rate limited, 401/408/5xx transient."""
    if status is None or status >= 500 or status in (401, 408):
        return Outcome.TRANSIENT
    if status == 429:
        return Outcome.RATE_LIMITED
    if status >= 400:
        return Outcome.PERMANENT
    return Outcome.ACCEPTED


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def exchange(
    client: httpx.Client,
    journal: Journal,
    *,
    destination: str,
    method: str,
    url: str,
    body: Any = None,
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    item_ids: tuple[int, ...] = (),
    redact: bool = False,
) -> Answer:
    """Send one JSON (or form) request, record it in the journal, return the answer.

    Never raises: no answer is an Answer with status None. `redact` keeps the request body
    (e.g. a client secret) and the response body (a token) out of the journal.
    """
    started = datetime.now(UTC)
    clock = time.monotonic()
    request_text = "" if body is None else json.dumps(body, ensure_ascii=False, default=str)
    send_headers = dict(headers or {})
    if body is not None:
        send_headers.setdefault("content-type", "application/json")
    status: int | None = None
    text = ""
    parsed: Any = None
    answer_headers: dict[str, str] = {}
    error: str | None = None
    try:
        response = client.request(
            method,
            url,
            content=request_text.encode() if body is not None else None,
            data=form,
            headers=send_headers,
        )
        status = response.status_code
        text = response.text
        answer_headers = {k.lower(): v for k, v in response.headers.items()}
        try:
            parsed = response.json() if text else None
        except ValueError:
            parsed = None
    except httpx.HTTPError as err:
        error = f"{type(err).__name__}: {err}"
    journal.record(
        Submission(
            destination=destination,
            method=method,
            url=url,
            started_at=started,
            duration_s=time.monotonic() - clock,
            status=status,
            request_excerpt="(redacted)" if redact else request_text[:EXCERPT_CHARS],
            response_excerpt="(redacted)" if redact and status == 200 else text[:EXCERPT_CHARS],
            error=error,
            item_ids=item_ids,
        )
    )
    return Answer(status=status, body=parsed, text=text, headers=answer_headers, error=error)
