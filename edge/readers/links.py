"""Byte links to devices: a serial port found by path or pattern, or a TCP connection."""

import glob
import logging
import os
import socket
from typing import Literal, Protocol

import serial
from pydantic import BaseModel, ConfigDict, Field, field_validator

logger = logging.getLogger(__name__)

BY_ID_DIR = "/dev/serial/by-id"


class LinkError(Exception):
    """The device is absent, unplugged or unreachable; the reader reconnects."""


class ByteLink(Protocol):
    """A blocking, bidirectional byte stream (used from a worker thread)."""

    def read(self) -> bytes:
        """Bytes received within the link's read timeout (b"" when silent)."""

    def write(self, data: bytes) -> None:
        """Send bytes."""

    def close(self) -> None:
        """Release the device."""


class SerialSettings(BaseModel):
    """A serial port and its framing; `port` may be a glob such as /dev/serial/by-id/usb-X*."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    port: str = Field(min_length=1)
    baudrate: int = Field(default=9600, gt=0)
    bytesize: Literal[5, 6, 7, 8] = 8
    parity: Literal["N", "E", "O", "M", "S"] = "N"
    stopbits: float = 1

    @field_validator("stopbits")
    @classmethod
    def _stopbits(cls, value: float) -> float:
        if value not in (1, 1.5, 2):
            raise ValueError("must be 1, 1.5 or 2")
        return value


class TcpSettings(BaseModel):
    """A device reached over TCP (serial-to-Ethernet bridges, network readers)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = Field(min_length=1)
    port: int = Field(gt=0, le=65535)
    connect_timeout_s: float = Field(default=5.0, gt=0)


def resolve_port(pattern: str) -> str:
    """The device path for `pattern`: itself if it exists, else the first glob match.

    Stable /dev/serial/by-id names are preferred, so a scanner that comes back as another
    /dev/ttyUSBn is still found; LinkError when nothing matches.
    """
    if not glob.has_magic(pattern):
        if os.path.exists(pattern):
            return pattern
        raise LinkError(f"{pattern} is not present")
    matches = sorted(glob.glob(pattern), key=lambda p: (not p.startswith(BY_ID_DIR), p))
    if not matches:
        raise LinkError(f"no device matches {pattern}")
    if len(matches) > 1:
        logger.warning("%d devices match %s; using %s", len(matches), pattern, matches[0])
    return matches[0]


class SerialLink:
    """A serial port opened by path or pattern."""

    def __init__(self, settings: SerialSettings, read_timeout_s: float) -> None:
        self.path = resolve_port(settings.port)
        try:
            self._port = serial.Serial(
                self.path,
                baudrate=settings.baudrate,
                bytesize=settings.bytesize,
                parity=settings.parity,
                stopbits=settings.stopbits,
                timeout=read_timeout_s,
            )
        except (serial.SerialException, OSError) as err:
            raise LinkError(f"cannot open {self.path}: {err}") from err

    def read(self) -> bytes:
        """Bytes within the read timeout; LinkError when the device went away."""
        try:
            first: bytes = self._port.read(1)
            if not first:
                return b""
            waiting = self._port.in_waiting
            return first + (self._port.read(waiting) if waiting else b"")
        except (serial.SerialException, OSError) as err:
            raise LinkError(f"{self.path}: {err}") from err

    def write(self, data: bytes) -> None:
        """Send bytes; LinkError when the device went away."""
        try:
            self._port.write(data)
        except (serial.SerialException, OSError) as err:
            raise LinkError(f"{self.path}: {err}") from err

    def close(self) -> None:
        """Close the port."""
        try:
            self._port.close()
        except (serial.SerialException, OSError):
            logger.debug("closing %s failed", self.path, exc_info=True)


class TcpLink:
    """A TCP connection to a device."""

    def __init__(self, settings: TcpSettings, read_timeout_s: float) -> None:
        self.path = f"{settings.host}:{settings.port}"
        try:
            self._sock = socket.create_connection(
                (settings.host, settings.port), timeout=settings.connect_timeout_s
            )
        except OSError as err:
            raise LinkError(f"cannot connect to {self.path}: {err}") from err
        self._sock.settimeout(read_timeout_s)

    def read(self) -> bytes:
        """Bytes within the read timeout; LinkError when the peer closed or failed."""
        try:
            data = self._sock.recv(4096)
        except TimeoutError:
            return b""
        except OSError as err:
            raise LinkError(f"{self.path}: {err}") from err
        if not data:
            raise LinkError(f"{self.path}: connection closed by the device")
        return data

    def write(self, data: bytes) -> None:
        """Send bytes; LinkError on a broken connection."""
        try:
            self._sock.sendall(data)
        except OSError as err:
            raise LinkError(f"{self.path}: {err}") from err

    def close(self) -> None:
        """Close the connection."""
        self._sock.close()


def open_link(settings: SerialSettings | TcpSettings, read_timeout_s: float) -> ByteLink:
    """Open a serial or TCP link; LinkError when the device is not there."""
    if isinstance(settings, SerialSettings):
        return SerialLink(settings, read_timeout_s)
    return TcpLink(settings, read_timeout_s)
