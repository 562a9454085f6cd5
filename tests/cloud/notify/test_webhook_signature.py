"""A webhook's signature covers its timestamp and its body; old or altered requests fail."""

import hashlib
import hmac

from cloud.notify.webhook import DEFAULT_TOLERANCE_S, signature, verify

SECRET = "hook-secret"
BODY = b'{"alert_id": 7, "transition": {"to_state": "active_unack"}}'
NOW = 1_780_000_000


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body():
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert signature(SECRET, NOW, BODY) == f"v1={expected}"


def test_a_fresh_untouched_request_verifies():
    header = signature(SECRET, NOW, BODY)
    assert verify(SECRET, BODY, timestamp=str(NOW), signature_header=header, now=NOW + 5)
    # several signatures (e.g. during a secret rotation): one match is enough
    both = f"v1={'0' * 64}, {header}"
    assert verify(SECRET, BODY, timestamp=str(NOW), signature_header=both, now=NOW)


def test_altered_or_replayed_requests_fail():
    header = signature(SECRET, NOW, BODY)
    checks = {
        "body changed": verify(
            SECRET, BODY + b" ", timestamp=str(NOW), signature_header=header, now=NOW
        ),
        "timestamp moved": verify(
            SECRET, BODY, timestamp=str(NOW + 1), signature_header=header, now=NOW
        ),
        "other secret": verify("other", BODY, timestamp=str(NOW), signature_header=header, now=NOW),
        "replayed later": verify(
            SECRET,
            BODY,
            timestamp=str(NOW),
            signature_header=header,
            now=NOW + DEFAULT_TOLERANCE_S + 1,
        ),
        "from the future": verify(
            SECRET,
            BODY,
            timestamp=str(NOW),
            signature_header=header,
            now=NOW - DEFAULT_TOLERANCE_S - 1,
        ),
        "not a number": verify(SECRET, BODY, timestamp="12a", signature_header=header, now=NOW),
    }
    assert not any(checks.values()), checks
