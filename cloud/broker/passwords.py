"""Random broker passwords and their Mosquitto hashes (PBKDF2-SHA512: `$7$` and dynsec JSON)."""

import base64
import hashlib
import hmac
import secrets

# mosquitto_passwd's own defaults (Mosquitto 2.0): 12 bytes of salt, 101 iterations, 64-byte
# digest. The passwords made here are random (≥ 190 bits), so the iteration count guards
# nothing that the length does not, and a low count keeps 10,000 devices reconnecting cheap.
SALT_BYTES = 12
ITERATIONS = 101
_DIGEST_BYTES = 64


class PasswordHashError(ValueError):
    """A password-file hash that is not in Mosquitto's `$7$` format."""


def new_password() -> str:
    """A random password, URL-safe (it may go into mqtt://user:password@host URLs)."""
    return secrets.token_urlsafe(24)


def hash_password(password: str, *, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    """The `$7$iterations$salt$digest` hash that Mosquitto 2 reads from a password file."""
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations, _DIGEST_BYTES)
    encoded_salt = base64.b64encode(salt).decode()
    return f"$7${iterations}${encoded_salt}${base64.b64encode(digest).decode()}"


def dynsec_password(password: str, *, salt: bytes | None = None) -> dict[str, str | int]:
    """The `password`, `salt` and `iterations` fields of a client in dynamic-security JSON."""
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, ITERATIONS, _DIGEST_BYTES)
    return {
        "password": base64.b64encode(digest).decode(),
        "salt": base64.b64encode(salt).decode(),
        "iterations": ITERATIONS,
    }


def verify_password(password: str, hashed: str) -> bool:
    """Whether `password` matches a `$7$` hash (as written by mosquitto_passwd or by us)."""
    parts = hashed.split("$")
    if len(parts) != 5 or parts[0] or parts[1] != "7" or not parts[2].isdigit():
        raise PasswordHashError(f"not a Mosquitto $7$ hash: {hashed[:12]}…")
    salt = base64.b64decode(parts[3])
    expected = base64.b64decode(parts[4])
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, int(parts[2]), len(expected))
    return hmac.compare_digest(digest, expected)
