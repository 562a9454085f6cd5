"""Split a serial byte stream into messages by terminator, or by silence between characters."""

from enum import StrEnum

MAX_MESSAGE_BYTES = 4096


class Terminator(StrEnum):
    """How a scanner ends one code."""

    CR = "cr"
    LF = "lf"
    CRLF = "crlf"
    NONE = "none"  # no terminator: a pause longer than the inter-character timeout ends a code


_ENDINGS = {Terminator.CR: b"\r", Terminator.LF: b"\n", Terminator.CRLF: b"\r\n"}


class LineFramer:
    """Collects bytes and yields complete messages; overlong messages are dropped and counted."""

    def __init__(self, terminator: Terminator, max_bytes: int = MAX_MESSAGE_BYTES) -> None:
        self.terminator = terminator
        self.max_bytes = max_bytes
        self.overflows = 0
        self._buffer = bytearray()
        self._discarding = False

    def feed(self, data: bytes) -> list[bytes]:
        """Add received bytes; the messages they complete, without terminators or blanks."""
        self._buffer += data
        ending = _ENDINGS.get(self.terminator)
        messages: list[bytes] = []
        if ending is not None:
            while (index := self._buffer.find(ending)) >= 0:
                message = bytes(self._buffer[:index])
                del self._buffer[: index + len(ending)]
                if self._discarding:
                    self._discarding = False
                    continue
                messages.append(message)
        if len(self._buffer) > self.max_bytes:
            self.overflows += 1
            self._buffer.clear()
            self._discarding = ending is not None  # skip the rest, up to the next terminator
        return [cleaned for m in messages if (cleaned := m.strip(b"\r\n"))]

    def flush(self) -> bytes | None:
        """On silence: the pending bytes as a message when unterminated codes are expected."""
        if self.terminator is not Terminator.NONE or not self._buffer:
            return None
        message = bytes(self._buffer).strip(b"\r\n")
        self._buffer.clear()
        return message or None


def decode_text(message: bytes) -> str | None:
    """A scanned message as text (UTF-8, else Latin-1); None when it has no usable characters."""
    try:
        text = message.decode("utf-8")
    except UnicodeDecodeError:
        text = message.decode("latin-1")
    text = text.replace("\x00", "")
    return text if text.strip() else None
