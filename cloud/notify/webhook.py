"""POST one notification to a webhook, signed with HMAC-SHA256, with an idempotency key."""

import hashlib
import hmac
import urllib.error
import urllib.request

from cloud.notify.errors import DeliveryError

SIGNATURE_HEADER = "X-Txng-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"


def signature(secret: str, body: bytes) -> str:
    """`sha256=<hex>` of HMAC-SHA256(secret, body): what the receiver recomputes to verify."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


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
        headers[SIGNATURE_HEADER] = signature(secret, body)
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
