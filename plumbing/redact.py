"""Secrets out of text: passwords in URLs and connection strings replaced by ***."""

import re
import sys
import threading
import traceback
from types import TracebackType

MASK = "***"

# scheme://user:password@host… (the password ends at the last '@' before the host part)
_URL_PASSWORD = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s@:]*:)[^\s@]*@")
# libpq key=value strings: password=… or password='…'
_KEYWORD_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def redact(text: str) -> str:
    """`text` with every URL password and every `password=` value replaced by ***."""
    text = _URL_PASSWORD.sub(rf"\g<1>{MASK}@", text)
    return _KEYWORD_PASSWORD.sub(rf"\g<1>{MASK}", text)


def _print_redacted(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    sys.stderr.write(redact("".join(traceback.format_exception(kind, value, tb))))


def _print_thread_redacted(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None:
        return
    name = args.thread.name if args.thread is not None else "?"
    sys.stderr.write(f"Exception in thread {name}:\n")
    _print_redacted(args.exc_type, args.exc_value, args.exc_traceback)


def install_excepthook() -> None:
    """Print uncaught exceptions (of the process and of its threads) with secrets redacted."""
    sys.excepthook = _print_redacted
    threading.excepthook = _print_thread_redacted
