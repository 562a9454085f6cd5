"""Parse the Linux w1_therm `w1_slave` file of a DS18B20 (CRC line, then `t=` millidegrees)."""

import re

POWER_ON_MILLI_C = 85_000  # the scratchpad's reset value: no conversion has happened
_CRC = re.compile(r"crc=([0-9a-f]{2})\s+(YES|NO)\s*$", re.IGNORECASE)
_TEMP = re.compile(r"t=(-?\d+)\s*$")


class W1Error(ValueError):
    """A DS18B20 answer that is not a valid temperature."""


def parse_w1_slave(text: str) -> float:
    """The temperature in °C; W1Error on a failed CRC, a missing value or the 85 °C reset."""
    lines = text.strip().splitlines()
    if len(lines) != 2:
        raise W1Error(f"expected two lines, got {len(lines)}")
    crc = _CRC.search(lines[0])
    if crc is None:
        raise W1Error("no CRC verdict on the first line")
    if crc.group(2).upper() != "YES":
        raise W1Error("CRC check failed")
    temp = _TEMP.search(lines[1])
    if temp is None:
        raise W1Error("no t= value on the second line")
    milli = int(temp.group(1))
    if milli == POWER_ON_MILLI_C:
        raise W1Error("85.000 °C power-on value (no conversion)")
    if not -55_000 <= milli <= 125_000:
        raise W1Error(f"{milli / 1000} °C is outside the DS18B20's range")
    return milli / 1000
