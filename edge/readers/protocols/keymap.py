"""Linux input key codes (linux/input-event-codes.h) to characters, for keyboard-wedge scanners."""

from dataclasses import dataclass, field

KEY_ENTER, KEY_KPENTER, KEY_TAB = 28, 96, 15
KEY_RIGHTBRACE = 27
_SHIFTS = frozenset({42, 54})  # KEY_LEFTSHIFT, KEY_RIGHTSHIFT
_CTRLS = frozenset({29, 97})  # KEY_LEFTCTRL, KEY_RIGHTCTRL


def _row(start: int, plain: str, shifted: str) -> dict[int, tuple[str, str]]:
    return {start + i: (p, s) for i, (p, s) in enumerate(zip(plain, shifted, strict=True))}


# US layout, the scanners' factory default.
_KEYS: dict[int, tuple[str, str]] = {
    **_row(2, "1234567890-=", "!@#$%^&*()_+"),
    **_row(16, "qwertyuiop[]", "QWERTYUIOP{}"),
    **_row(30, "asdfghjkl;'`", 'ASDFGHJKL:"~'),
    **_row(43, "\\zxcvbnm,./", "|ZXCVBNM<>?"),
    57: (" ", " "),
    55: ("*", "*"),
    **_row(71, "789-456+1230.", "789-456+1230."),
}


@dataclass
class KeyDecoder:
    """Assembles key presses into codes; Enter (or Tab, when chosen) ends a code."""

    end_keys: frozenset[int] = frozenset({KEY_ENTER, KEY_KPENTER})
    max_length: int = 4096
    unknown_keys: int = 0
    overflows: int = 0
    _held: set[int] = field(default_factory=set)
    _chars: list[str] = field(default_factory=list)

    def key(self, code: int, value: int) -> str | None:
        """Feed one key event (value 1 down, 0 up, 2 repeat); the finished code, if any."""
        if code in _SHIFTS or code in _CTRLS:
            if value == 0:
                self._held.discard(code)
            else:
                self._held.add(code)
            return None
        if value != 1:
            return None
        if code in self.end_keys:
            text = "".join(self._chars)
            self._chars.clear()
            return text or None
        if code == KEY_RIGHTBRACE and self._held & _CTRLS:
            char = "\x1d"  # Ctrl+] is how keyboard-mode scanners send the GS separator
        elif code in _KEYS:
            char = _KEYS[code][1 if self._held & _SHIFTS else 0]
        else:
            self.unknown_keys += 1
            return None
        if len(self._chars) >= self.max_length:
            self.overflows += 1
            self._chars.clear()
        self._chars.append(char)
        return None
