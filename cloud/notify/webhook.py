"""POST one notification to a webhook, signed over a timestamp and the body, idempotency-keyed.

The receiver recomputes `v1=` HMAC-SHA256(secret, "{timestamp}." + body), compares it in
constant time, refuses a timestamp further than its tolerance from its own clock (replays of
an old request fail even with a valid signature) and keeps the Idempotency-Key of what it
accepted for at least that long (a replay inside the window changes nothing).
"""

import hashlib
import hmac
import time
import urllib.error
import urllib.request

from cloud.notify.errors import DeliveryError

SIGNATURE_HEADER = "X-Txng-Signature"
TIMESTAMP_HEADER = "X-Txng-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
DEFAULT_TOLERANCE_S = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`v1=<hex>` of HMAC-SHA256(secret, "{timestamp}." + body)."""
    signed = f"{timestamp}.".encode() + body
    return "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    body: bytes,
    *,
    timestamp: str,
    signature_header: str,
    now: float | None = None,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> bool:
    """Whether a request carries our signature over this body and a timestamp within tolerance."""
    if not timestamp.isdigit():
        return False
    sent = int(timestamp)
    if abs((time.time() if now is None else now) - sent) > tolerance_s:
        return False
    expected = signature(secret, sent, body)
    return any(hmac.compare_digest(expected, part.strip()) for part in signature_header.split(","))


def post(
    url: str, body: bytes, *, idempotency_key: str, secret: str | None, timeout_s: float
) -> None:
    """POST `body`; raise DeliveryError unless the receiver answers 2xx."""
    headers = {
        "Content-Type": "application/json",
        IDEMPOTENCY_HEADER: idempotency_key,
        "User-Agent": "txng-notifier",
    }
    if secret:
        timestamp = int(time.time())  # signed anew on every attempt: retries are fresh requests
        headers[TIMESTAMP_HEADER] = str(timestamp)
        headers[SIGNATURE_HEADER] = signature(secret, timestamp, body)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            status = response.status
    except urllib.error.HTTPError as err:
        raise DeliveryError(url, f"HTTP {err.code}") from err
    except (urllib.error.URLError, OSError) as err:
        raise DeliveryError(url, str(err)) from err
    if not 200 <= status < 300:
        raise DeliveryError(url, f"HTTP {status}")
