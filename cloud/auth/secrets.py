"""Password hashing (scrypt), and random tokens stored only as their sha256."""

import hashlib
import hmac
import secrets
from functools import cache

_N, _R, _P = 2**14, 8, 1
TOKEN_BYTES = 32


def hash_password(password: str) -> str:
    """scrypt$n$r$p$salt$hash of `password` with a fresh random salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    """Whether `password` matches a hash made by hash_password (constant time)."""
    if not stored:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        computed = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except ValueError:
        return False
    return hmac.compare_digest(computed, bytes.fromhex(digest))


@cache
def _nobodys_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def verify_login(password: str, stored: str | None) -> bool:
    """verify_password, doing the same scrypt work when there is no user or no hash.

    An unknown user name then costs what a known one costs: timing does not tell which
    account names exist.
    """
    if not stored:
        verify_password(password, _nobodys_hash())
        return False
    return verify_password(password, stored)


def new_token(prefix: str = "txng") -> str:
    """A new random bearer token (shown once; only its hash is kept)."""
    return f"{prefix}_{secrets.token_urlsafe(TOKEN_BYTES)}"


def token_hash(token: str) -> bytes:
    """The sha256 of a token, as stored."""
    return hashlib.sha256(token.encode()).digest()
