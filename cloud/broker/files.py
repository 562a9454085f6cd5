"""Edit Mosquitto's password and ACL files in place: one entry per user, replaced atomically."""

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

ACL_HEADER = (
    "# Mosquitto ACL of txng: one `user` block per device or service, written by\n"
    "# `txng devices add` and `txng broker account`. Reload: send mosquitto SIGHUP.\n"
)


class BrokerFileError(Exception):
    """A password or ACL file that cannot be read or written."""


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    except OSError as err:
        raise BrokerFileError(f"{path}: cannot read: {err.strerror}") from err


def _write_atomically(path: Path, text: str, *, mode: int) -> None:
    """Replace `path` by `text` (same mode as before, else `mode`); readers never see half."""
    try:
        keep = path.stat().st_mode & 0o777
    except FileNotFoundError:
        keep = mode
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, keep)
        os.replace(temporary, path)
    except OSError as err:
        raise BrokerFileError(f"{path}: cannot write: {err.strerror}") from err


def set_password_entry(path: Path, username: str, hashed: str) -> None:
    """Add or replace `username:hashed` in a mosquitto password file."""
    if ":" in username or "\n" in username:
        raise BrokerFileError(f"user name {username!r} cannot go into a password file")
    lines = [
        line
        for line in _read(path).splitlines()
        if line.strip() and line.split(":", 1)[0] != username
    ]
    lines.append(f"{username}:{hashed}")
    _write_atomically(path, "\n".join(lines) + "\n", mode=0o640)


def set_acl_block(path: Path, username: str, rules: Sequence[str], *, comment: str = "") -> None:
    """Add or replace the `user {username}` block of a mosquitto ACL file."""
    head: list[str] = []
    blocks: dict[str, list[str]] = {}
    current: list[str] = head
    for line in _read(path).splitlines():
        if line.startswith("user "):
            current = blocks.setdefault(line[5:].strip(), [])
        if line.strip():
            current.append(line)
    blocks[username] = [f"user {username}", *([f"# {comment}"] if comment else []), *rules]
    sections = ["\n".join(head) or ACL_HEADER.rstrip(), *("\n".join(b) for b in blocks.values())]
    _write_atomically(path, "\n\n".join(sections) + "\n", mode=0o644)
